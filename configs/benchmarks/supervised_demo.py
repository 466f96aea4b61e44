# The supervised reference for the demo numbers: ResNet-18 from random init
# trained with all 1,000 labelled training objects (every parameter), 10
# epochs, evaluated on the 500 val objects. What the demo's labels allow a
# network of this size in about 3 minutes on 2 CPU cores; self-supervised
# pretraining sees no labels and is compared with the random-init floor,
# not with this. kNN on its backbone:
#   python tools/train.py configs/benchmarks/supervised_demo.py
#   python tools/knn_eval.py configs/benchmarks/knn_demo.py \
#       work_dirs/supervised_demo/epoch_10.pth
_base_ = './semi_demo_10percent.py'

model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(batch_size=32, dataset=dict(indices=None))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(_delete_=True))
param_scheduler = dict(
    _delete_=True, type='CosineAnnealingLR', T_max=10, by_epoch=True)
train_cfg = dict(max_epochs=10, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=5))
