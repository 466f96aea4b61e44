# salssl_demo.py with the store updated online: after each step, the
# momentum encoder's feature maps of the key crops (already computed for the
# loss) are blended into the images' maps; no full pass over the data.
_base_ = './salssl_demo.py'

custom_hooks = [
    dict(type='SaliencyHook', warmup_epochs=1, update='online',
         online_momentum=0.5, source='activation', map_size=7),
    dict(type='SaliencyVisHook', num_images=4, num_crops=4),
    dict(type='BadImageHook'),
    {{_base_.knn_hook}},
]
