# salssl_demo.py with the store updated online: after each step, the
# momentum encoder's feature maps of the key crops (already computed for the
# loss) are blended into the images' maps; no full pass over the data.
# online.stage=1: the key crops are measured on layer2 of the momentum
# ResNet-18 (8 x 8 at 64 px); its last stage gives 2 x 2 maps of a 64-px
# crop, which pointed at objects no better than a random point in a probe
# (docs/results_history.md).
_base_ = './salssl_demo.py'

saliency_hook = dict(
    type='SaliencyHook',
    warmup_epochs=1,
    update='online',
    online=dict(momentum=0.5, stage=1),
    model_pass=dict(model_map='activation'),
    map_size=7)
custom_hooks = [saliency_hook, *_base_.custom_hooks[1:]]
