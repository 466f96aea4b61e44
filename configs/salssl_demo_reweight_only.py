# Ablation: random crops (SaliencyCrop with guided=False records the crops'
# scores only), each pair weighted by saliency.
_base_ = './salssl_demo.py'

view_pipeline = [
    dict(type='SaliencyCrop', scale=64, crop_ratio_range=(0.2, 1.),
         backend='pillow', guided=False),
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
