"""Backbone weights out of training checkpoints (safe loading only)."""
from mmengine.runner.checkpoint import _load_checkpoint

from ..errors import UsageError

#: Where training checkpoints keep each encoder's backbone (mmsal / mmpretrain
#: MoCo: ``encoder_k``; BYOL-style: ``target_net``).
ENCODER_PREFIXES = dict(
    online=('backbone.', ),
    momentum=('encoder_k.module.0.', 'target_net.module.0.'))


def encoder_state_dict(checkpoint, encoder='online'):
    """One encoder's backbone weights out of a training checkpoint
    (``ENCODER_PREFIXES``); for ``'online'``, a backbone-only file as it
    is. A one-line error names the file when there is none."""
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    for prefix in ENCODER_PREFIXES[encoder]:
        backbone = {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
        if backbone:
            return backbone
    if encoder == 'online' and 'conv1.weight' in state:
        return dict(state)  # already a backbone file
    raise UsageError(
        f'{checkpoint} has no {encoder} backbone (no keys starting with '
        f'{" or ".join(ENCODER_PREFIXES[encoder])})')


def backbone_state_dict(checkpoint, prefix='backbone.'):
    """The backbone's weights from a training checkpoint (keys under
    ``prefix``, prefix removed), or the whole state dict of a backbone-only
    file (from tools/extract_backbone.py). A whole model's checkpoint
    without ``prefix`` (its neck or head there, no backbone) is a one-line
    error naming the file."""
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    if any(k.startswith(prefix) for k in state):
        return {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
    model_parts = ('neck.', 'head.',
                   'data_preprocessor.') + ENCODER_PREFIXES['momentum']
    if any(k.startswith(model_parts) for k in state):
        raise UsageError(f'{checkpoint} has no backbone (a model checkpoint '
                         f'with no keys starting with {prefix!r})')
    return dict(state)


def load_backbone(backbone,
                  checkpoint,
                  prefix='backbone.',
                  keep=(),
                  ignore=()):
    """Load a checkpoint's backbone weights into ``backbone``, strictly; a
    mismatch (missing, unexpected or differently shaped weights, e.g. a
    ResNet-18 checkpoint for a ResNet-50) is a one-line error naming the
    file.

    Args:
        backbone (nn.Module): the module to fill.
        checkpoint (str): a backbone file or a training checkpoint.
        prefix (str): where a training checkpoint keeps the backbone.
            Defaults to ``'backbone.'``.
        keep (tuple[str]): only the checkpoint's weights whose names start
            with one of these are for ``backbone`` (e.g. ``('layer4.',)`` for
            a detector's RoI head made of the last stage). Defaults to all.
        ignore (tuple[str]): checkpoint weights starting with these may be
            left unused (e.g. ``('layer4.',)`` for a three-stage backbone).
            Defaults to none.

    Returns:
        nn.Module: ``backbone``, loaded.
    """
    state = backbone_state_dict(checkpoint, prefix)
    load_state(backbone, state, checkpoint, keep, ignore)
    return backbone


def load_state(backbone, state, source, keep=(), ignore=(), own_init=()):
    """:func:`load_backbone` for weights already loaded (``source`` names
    them in the error); ``own_init``: names of ``backbone``'s weights that
    are not pretrained (e.g. ``('norm.',)``, the BatchNorm a RoI head adds
    after the last stage). Returns the number of tensors loaded."""
    if keep:
        state = {k: v for k, v in state.items() if k.startswith(tuple(keep))}
    own = backbone.state_dict()
    # BatchNorm's step counters carry no weights: files without them fit
    missing = [
        k for k in own
        if k not in state and not k.endswith('num_batches_tracked')
        and not k.startswith(tuple(own_init))
    ]
    unexpected = [
        k for k in state if k not in own and not k.startswith(tuple(ignore))
    ]
    shaped = [
        k for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shaped:
        raise UsageError(
            f'{source}: its backbone weights do not fit the configured '
            f'{type(backbone).__name__} ({len(missing)} missing, '
            f'{len(unexpected)} unexpected, {len(shaped)} of another shape, '
            f'e.g. {(missing + unexpected + shaped)[:2]})')
    fitting = {k: v for k, v in state.items() if k in own}
    backbone.load_state_dict(fitting, strict=False)
    return len(fitting)
