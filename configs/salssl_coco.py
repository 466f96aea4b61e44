# Saliency-guided contrastive learning on COCO train2017: mocov2_coco.py
# (ResNet-50, 800 epochs, 8 GPUs x 64) plus the method, nothing else changed.
#   bash tools/dist_train.sh configs/salssl_coco.py 8
# Schedule of the saliency refresh (our choice, scaled from ContrastiveCrop's
# 20/20 epochs for 200 ImageNet epochs; not yet measured at this scale):
# first maps after 40 epochs, refreshed every 10 (about 0.25 epoch each).
_base_ = ['./mocov2_coco.py', './_base_/method/salssl.py']

# Speed switches, off until measured on a GPU (benchmarks/data_path_gpu.py,
# docs/training.md): channels_last=True keeps weights and views in
# torch.channels_last; --amp trains under fp16 autocast with loss scaling,
# --cfg-options optim_wrapper.type=AmpOptimWrapper optim_wrapper.dtype=bfloat16
# under bf16. The views' colour and flip ops run on the GPU (augment_on,
# set in the dataset base).
model = dict(_base_.salssl_model, channels_last=False)
crop = dict(_base_.crop, **_base_.saliency_crop)
view_pipeline = [crop, *_base_.view_augment]
train_pipeline = [
    _base_.load,
    dict(_base_.saliency_views, transforms=[view_pipeline]),
    _base_.saliency_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

saliency_hook = dict(
    type='SaliencyHook',
    warmup_epochs=40,
    interval=10,
    source='model',
    # how the model's maps are computed (mmsal.saliency.FullPass)
    model_pass=dict(
        input_size=224,
        model_map='activation',
        encoder='momentum',
        batch_size=128,
        num_workers=8),
    map_size=7)
custom_hooks = [
    saliency_hook,
    _base_.crop_stats_hook,
    dict(type='SaliencyVisHook', num_images=8, num_crops=4),
    dict(type='BadImageHook'),
]
