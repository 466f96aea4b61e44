# Saliency-guided contrastive learning on the demo scenes: mocov2_demo.py
# plus the method (SaliencyCrop, reweighted head, SaliencyHook), nothing
# else changed. A few minutes on 2 CPU cores.
_base_ = './mocov2_demo.py'

crop_size = 64

model = dict(
    type='SalSSL',
    symmetric=False,
    head=dict(
        type='SaliencyReweightedContrastiveHead',
        combine='geometric',
        gamma=0.5,  # measured: 1.0 and 0.5 on 5 seeds, docs/results.md
        clamp=(0.1, 10.0)))

# mocov2_demo.py's views with SaliencyCrop in place of RandomResizedCrop.
view_pipeline = [
    dict(type='SaliencyCrop', scale=crop_size, crop_ratio_range=(0.2, 1.),
         backend='pillow', mode='candidates', num_candidates=32, tau=0.5),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4,
                          saturation=0.4, hue=0.1)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    # no GaussianBlur at 64 px (see the comment in mocov2_demo.py)
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadSceneImage', bad_image='raise'),
    dict(type='SaliencyMultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs', algorithm_keys=['saliency_score', 'crop_box']),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='SaliencyHook', warmup_epochs=1, interval=2, input_size=112,
         source='activation', encoder='momentum', map_size=7,
         batch_size=64, num_workers=2),
    # the maps and the crops they steer, drawn at every refresh
    dict(type='SaliencyVisHook', num_images=4, num_crops=4),
    dict(type='BadImageHook'),
    {{_base_.knn_hook}},
]
