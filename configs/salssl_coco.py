# Saliency-guided contrastive learning on COCO train2017: mocov2_coco.py
# (ResNet-50, 800 epochs, 8 GPUs x 64) plus the method, nothing else changed.
#   bash tools/dist_train.sh configs/salssl_coco.py 8
# Schedule of the saliency refresh (our choice, scaled from ContrastiveCrop's
# 20/20 epochs for 200 ImageNet epochs; not yet measured at this scale):
# first maps after 40 epochs, refreshed every 10 (about 0.25 epoch each).
_base_ = './mocov2_coco.py'

model = dict(
    type='SalSSL',
    symmetric=False,
    head=dict(
        type='SaliencyReweightedContrastiveHead',
        combine='geometric',
        gamma=0.5,  # chosen on the demo (docs/results.md), not on COCO
        clamp=(0.1, 10.0)))

# MoCo v2's views with SaliencyCrop in place of RandomResizedCrop; each
# view's score, box and flip travel to the head and the SaliencyHook.
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

custom_hooks = [
    dict(
        type='SaliencyHook',
        warmup_epochs=40,
        interval=10,
        input_size=224,
        source='activation',
        encoder='momentum',
        map_size=7,
        batch_size=128,
        num_workers=8),
    dict(type='SaliencyVisHook', num_images=8, num_crops=4),
    dict(type='BadImageHook'),
]
