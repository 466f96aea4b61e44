# Saliency-guided contrastive learning on the demo scenes: mocov2_demo.py
# plus the method (SaliencyCrop, reweighted head, SaliencyHook), nothing
# else changed. A few minutes on 2 CPU cores.
_base_ = ['./mocov2_demo.py', './_base_/method/salssl.py']

model = _base_.salssl_model
crop = dict(_base_.crop, **_base_.saliency_crop)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.saliency_views, transforms=[view_pipeline]),
    _base_.saliency_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Maps from layer3 (stage=2) of the momentum ResNet-18 at 112 px: a native
# 7 x 7 grid (its last stage is 4 x 4 there, upsampled). At random init on
# the demo val split layer3 points 0.965 (native 7), the last stage 0.915 at
# 112 px (native 4) and at 224 px (native 7, twice the refresh time);
# docs/guidance.md. source='model': the method; the controls are the other
# sources (oracle, contrast, shuffled, centre, file).
saliency_hook = dict(
    type='SaliencyHook',
    warmup_epochs=1,
    interval=2,
    source='model',
    # how the model's maps are computed (mmsal.saliency.FullPass)
    model_pass=dict(
        input_size=112,
        model_map='activation',
        stage=2,
        encoder='momentum',
        batch_size=64,
        num_workers=2),
    map_size=7)
custom_hooks = [
    saliency_hook,
    # crops/* (what the pairs hold) and weights/* (what the weights follow)
    _base_.crop_stats_hook,
    # the maps and the crops they steer, drawn at every refresh
    dict(type='SaliencyVisHook', num_images=4, num_crops=4),
    dict(type='BadImageHook'),
    _base_.knn_hook,
]
