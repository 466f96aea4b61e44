# The ceiling of the demo-v6 protocol: the method's crops and weights with
# perfect maps (the share of each map cell covered by the objects' instance
# masks), both views drawn inside one salient region (mode 'paired').
# Maps are static (computed once); the schedule is the method's: random
# crops and weights of one in epoch 1, as in every variant.
_base_ = './salssl.py'

crop = dict(_base_.crop, mode='paired')
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.saliency_views, transforms=[view_pipeline]),
    _base_.saliency_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
saliency_hook = dict(_base_.saliency_hook, source='oracle')
custom_hooks = [saliency_hook, *_base_.custom_hooks[1:]]
