# The placebo of the demo-v6 protocol: the method as in salssl.py, but each
# image gets another image's model map (a fixed permutation in which no
# image keeps its own): the maps' statistics stay, their place is wrong.
_base_ = './salssl.py'

saliency_hook = dict(
    _base_.saliency_hook, source='shuffled', source_cfg=dict(of='model'))
custom_hooks = [saliency_hook, *_base_.custom_hooks[1:]]
