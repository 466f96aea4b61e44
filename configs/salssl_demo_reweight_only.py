# Ablation: random crops (SaliencyCrop with guided=False records the crops'
# scores only), each pair weighted by saliency.
_base_ = './salssl_demo.py'

crop = dict(_base_.crop, guided=False)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.train_pipeline[1], transforms=[view_pipeline]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
