# ImageNet linear probe of a pretraining checkpoint, mmpretrain's MoCo v2
# protocol unchanged: frozen ResNet-50, SGD lr 30 (no weight decay), 100
# epochs, lr x0.1 at epochs 60 and 80, 8 GPUs x 32, data in data/imagenet.
#   bash tools/dist_train.sh configs/benchmarks/linear_imagenet.py 8 \
#       --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/salssl_coco/epoch_800.pth
_base_ = [
    '../_base_/models/resnet50_linear.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(frozen_stages=4))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=30., momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
