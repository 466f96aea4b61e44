# The centre control of the demo-v6 protocol: the method as in salssl.py
# with one fixed centred Gaussian as every image's map.
_base_ = './salssl.py'

saliency_hook = dict(_base_.saliency_hook, source='centre')
custom_hooks = [saliency_hook, *_base_.custom_hooks[1:]]
