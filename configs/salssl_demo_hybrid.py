# salssl_demo.py with one full saliency pass when warm-up ends (at 112 px,
# as salssl_demo.py), then online updates from each step's key crops,
# measured on layer2 (online.stage=1, see salssl_demo_online.py).
_base_ = './salssl_demo.py'

saliency_hook = dict(
    _base_.saliency_hook, update='hybrid', online=dict(momentum=0.5, stage=1))
custom_hooks = [saliency_hook, *_base_.custom_hooks[1:]]
