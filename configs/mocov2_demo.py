# MoCo v2 on the generated demo scenes: the CPU-sized baseline that the
# saliency-guided configs are compared against. ResNet-18, 64 px crops of
# 96 px scenes, batch 32, 12 epochs (about 5 minutes on 2 CPU cores): the
# demo protocol of docs/results.md. The demo data is generated into
# data/demo_scenes on first use.
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)

data_root = 'data/demo_scenes'
crop_size = 64

model = dict(
    type='MoCo',
    queue_len=512,  # keep well below the 2,000 images (see docs)
    feat_dim=128,
    momentum=0.01,  # m = 0.99: few steps, so a faster key encoder
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=18,
        norm_cfg=dict(type='BN'),
        zero_init_residual=False),
    neck=dict(
        type='MoCoV2Neck',
        in_channels=512,
        hid_channels=512,
        out_channels=128,
        with_avg_pool=True),
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2))

# The MoCo v2 view augmentations of mmpretrain, at demo size, without
# GaussianBlur: its sigma of 0.1-2.0 px is set for 224-px views; on 64-px
# views it wipes out the objects' 2-10 px stripes and checks, so MoCo learns
# to ignore the pattern half of the demo classes (kNN top-1 22.6 with blur,
# 27.0 without, seed 0; docs/results.md). SimCLR drops blur on CIFAR too.
view_pipeline = [
    dict(type='RandomResizedCrop', scale=crop_size,
         crop_ratio_range=(0.2, 1.), backend='pillow'),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                          saturation=0.4, hue=0.1)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    # any image mode, EXIF rotation; bad_image='skip' to skip unreadable files
    dict(type='LoadSceneImage', bad_image='raise'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DemoScenes', data_root=data_root, split='train',
        pipeline=train_pipeline))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=11, by_epoch=True, begin=1, end=12),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
auto_scale_lr = dict(base_batch_size=32)

# kNN top-1 / top-5 on the labelled demo objects after every epoch: the
# accuracy signal during pretraining (logged as knn/top1, knn/top5).
_knn_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
knn_hook = dict(
    type='KNNHook', interval=1, k=20, temperature=0.07,
    train_dataloader=dict(
        batch_size=100, num_workers=0, collate_fn=dict(type='default_collate'),
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='DemoObjects', data_root=data_root, split='train',
                     pipeline=_knn_pipeline)),
    val_dataloader=dict(
        batch_size=100, num_workers=0, collate_fn=dict(type='default_collate'),
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='DemoObjects', data_root=data_root, split='val',
                     pipeline=_knn_pipeline)))
custom_hooks = [knn_hook, dict(type='BadImageHook')]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
randomness = dict(seed=0)
