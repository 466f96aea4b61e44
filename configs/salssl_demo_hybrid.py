# salssl_demo.py with one full saliency pass when warm-up ends (at 112 px,
# as salssl_demo.py), then online updates from each step's key crops.
_base_ = './salssl_demo.py'

custom_hooks = [
    # online_stage=1: key crops measured on layer2 (8 x 8 at 64 px), see
    # salssl_demo_online.py
    dict(type='SaliencyHook', warmup_epochs=1, update='hybrid',
         online_momentum=0.5, online_stage=1, input_size=112,
         source='activation', map_size=7, batch_size=64, num_workers=2),
    dict(type='SaliencyVisHook', num_images=4, num_crops=4),
    dict(type='BadImageHook'),
    {{_base_.knn_hook}},
]
