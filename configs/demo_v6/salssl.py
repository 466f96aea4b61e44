# The method on the demo-v6 scenes: demo_v6/mocov2.py plus SaliencyCrop, the
# reweighted head and SaliencyHook, as configs/salssl_demo.py adds them to
# MoCo v2 on demo-v5. The maps come from layer3 of the momentum encoder with
# the 96 px scenes resized to 128 px (a native 8 x 8 grid). The controls of
# the protocol (docs/protocol_demo_v6.md) change one option of this file
# each.
_base_ = ['./mocov2.py', '../_base_/method/salssl.py']

model = _base_.salssl_model
# 'paired' regions of 0.2-0.4 of the image side (0.3-0.5 on demo-v5): the
# objects are smaller; chosen on data seed 100 (docs/protocol_demo_v6.md)
crop = dict(
    _base_.crop,
    **_base_.saliency_crop,
    region_min_side=0.2,
    region_max_side=0.4)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.saliency_views, transforms=[view_pipeline]),
    _base_.saliency_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

saliency_hook = dict(
    type='SaliencyHook',
    warmup_epochs=1,
    interval=2,
    source='model',
    model_pass=dict(
        input_size=128,
        model_map='activation',
        stage=2,
        encoder='momentum',
        batch_size=64,
        num_workers=2),
    map_size=8)
custom_hooks = [
    saliency_hook,
    _base_.crop_stats_hook,
    dict(type='BadImageHook'),
    _base_.knn_hook,
]
