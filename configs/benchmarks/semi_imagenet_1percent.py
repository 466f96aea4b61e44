# Semi-supervised ImageNet with 1 % of the labels: the pretrained ResNet-50
# and a new linear head, all parameters fine-tuned on the SimCLR 1 % subset
# (12,811 images), 20 epochs, lr x0.1 at epochs 12 and 16, 8 GPUs x 32.
# Make the label list once (see tools/make_imagenet_subset.py):
#   python tools/make_imagenet_subset.py 1percent.txt \
#       data/imagenet/meta/train.txt data/imagenet/meta/train_1percent.txt
#   bash tools/dist_train.sh configs/benchmarks/semi_imagenet_1percent.py 8 \
#       --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/salssl_coco/epoch_800.pth
# Learning rate grid (mmselfsup's protocol: the results are sensitive to it,
# report the best): base lr in {0.001, 0.01, 0.1} x head multiplier in
# {1, 10, 100}, e.g. --cfg-options optim_wrapper.optimizer.lr=0.1
# optim_wrapper.paramwise_cfg.custom_keys.head.lr_mult=100. The default
# (0.01, x10) is the middle of the grid, not a measured best.
_base_ = [
    '../_base_/models/resnet50_linear.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/default_runtime.py',
]

subset_ann_file = 'meta/train_1percent.txt'

model = dict(backbone=dict(frozen_stages=-1))
train_dataloader = dict(dataset=dict(ann_file=subset_ann_file))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
randomness = dict(seed=0, deterministic=True)
