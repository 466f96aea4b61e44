# Saliency-guided contrastive learning on the demo scenes: mocov2_demo.py
# plus the method (SaliencyCrop, reweighted head, SaliencyHook), nothing
# else changed. A few minutes on 2 CPU cores.
_base_ = './mocov2_demo.py'

model = dict(
    type='SalSSL',
    symmetric=False,
    head=dict(
        type='SaliencyReweightedContrastiveHead',
        combine='geometric',
        gamma=0.5,  # measured: 1.0 and 0.5 on 5 seeds, docs/results_history.md
        clamp=(0.1, 10.0)))

# mocov2_demo.py's views with SaliencyCrop in place of RandomResizedCrop.
crop = dict(
    _base_.crop,
    type='SaliencyCrop',
    mode='candidates',
    num_candidates=32,
    tau=0.5)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(type='SaliencyMultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs', algorithm_keys=['saliency_score', 'crop_box']),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

saliency_hook = dict(
    type='SaliencyHook',
    warmup_epochs=1,
    interval=2,
    input_size=112,
    source='activation',
    encoder='momentum',
    map_size=7,
    batch_size=64,
    num_workers=2)
custom_hooks = [
    saliency_hook,
    # the maps and the crops they steer, drawn at every refresh
    dict(type='SaliencyVisHook', num_images=4, num_crops=4),
    dict(type='BadImageHook'),
    _base_.knn_hook,
]
