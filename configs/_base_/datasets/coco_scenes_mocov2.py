# COCO train2017 (118,287 images) with MoCo v2's two views: mmpretrain's
# ImageNet MoCo v2 pipeline, images loaded by LoadSceneImage (any mode, EXIF
# rotation). One bad file in 118k stops the run with its name; set
# load.bad_image='skip' to skip such files (counted by BadImageHook).
# A config that changes the crop rebuilds view_pipeline from `crop` and
# `view_augment` (see salssl_coco.py).
# augment_on='device': the data workers only load and crop; view_augment
# runs batched in the model's data preprocessor (ViewAugmentPreprocessor,
# per-sample parameters, same distributions; docs/training.md). 'cpu' runs
# it in the workers, as mmpretrain does.
augment_on = 'device'
data_root = 'data/coco'

load = dict(type='LoadSceneImage', bad_image='raise')
crop = dict(
    type='RandomResizedCrop',
    scale=224,
    crop_ratio_range=(0.2, 1.),
    backend='pillow')
view_augment = [
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
view_pipeline = [crop, *view_augment]
train_pipeline = [
    load,
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,  # per GPU; 8 GPUs
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CocoScenes',
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        img_dir='train2017',
        pipeline=train_pipeline))
