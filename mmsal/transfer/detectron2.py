"""ResNet weights under detectron2's names.

detectron2 calls the stem ``stem.conv1`` (its BatchNorm ``stem.conv1.norm``),
the stages ``res2``-``res5``, a block's BatchNorm ``convK.norm`` and the
projection shortcut ``shortcut`` / ``shortcut.norm``. Its checkpointer
matches these names to a model's (``backbone.bottom_up.res2...``) when the
file says ``matching_heuristics``; that is the format detectron2-based
benchmarks (MoCo's, DenseCL's detection code) load.
"""
import re

from ..errors import UsageError

_BLOCK = re.compile(r'^layer([1-4])\.(\d+)\.(.+)$')
_NORM_PARAMS = ('weight', 'bias', 'running_mean', 'running_var')


def detectron2_name(key):
    """detectron2's name for a torchvision / mmpretrain ResNet weight, or
    None for weights detectron2 has no place for (BatchNorm step counters,
    the classifier ``fc``).

    Raises:
        UsageError: for a name that is not a ResNet weight.
    """
    if key.endswith('num_batches_tracked') or key.startswith('fc.'):
        return None
    if key == 'conv1.weight':
        return 'stem.conv1.weight'
    if key.startswith('bn1.') and key[4:] in _NORM_PARAMS:
        return 'stem.conv1.norm.' + key[4:]
    match = _BLOCK.match(key)
    if match:
        stage, block, rest = match.groups()
        head = f'res{int(stage) + 1}.{block}.'
        conv = re.fullmatch(r'conv([1-3])\.weight', rest)
        norm = re.fullmatch(r'bn([1-3])\.(\w+)', rest)
        if conv:
            return head + rest
        if norm and norm.group(2) in _NORM_PARAMS:
            return head + f'conv{norm.group(1)}.norm.{norm.group(2)}'
        if rest == 'downsample.0.weight':
            return head + 'shortcut.weight'
        if rest.startswith('downsample.1.') and rest[13:] in _NORM_PARAMS:
            return head + 'shortcut.norm.' + rest[13:]
    raise UsageError(f'{key!r} is not a ResNet weight (torchvision / '
                     'mmpretrain names expected): only ResNets convert to '
                     "detectron2's format")


def to_detectron2(state_dict):
    """A backbone state dict as detectron2's checkpoint content: ``{'model':
    {name: tensor}, 'matching_heuristics': True, '__author__': 'mmsal'}``,
    to be pickled.

    The values are torch tensors, which detectron2's checkpointer takes as
    it takes numpy arrays: numpy arrays pickled by numpy 2 name
    ``numpy._core``, which numpy 1 (detectron2's usual environment) cannot
    unpickle."""
    model = {}
    for key, value in state_dict.items():
        name = detectron2_name(key)
        if name is not None:
            model[name] = value.detach().cpu().clone()
    if 'stem.conv1.weight' not in model:
        raise UsageError('no ResNet stem (conv1.weight) among the weights: '
                         'not a ResNet backbone')
    return dict(model=model, __author__='mmsal', matching_heuristics=True)
