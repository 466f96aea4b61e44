# ImageNet-1k in data/imagenet (mmpretrain's layout and pipelines: random
# resized crop + flip for training, 256 short side + 224 centre crop for
# validation), 32 images per GPU. LabeledImageNet is mmpretrain's ImageNet
# that refuses, before training, a label list naming missing images or an
# empty split.
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='LabeledImageNet',
        data_root='data/imagenet',
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='LabeledImageNet',
        data_root='data/imagenet',
        split='val',
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
