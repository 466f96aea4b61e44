"""Backbone weights out of training checkpoints (safe loading only)."""
from mmengine.runner.checkpoint import _load_checkpoint

from ..errors import UsageError


def backbone_state_dict(checkpoint, prefix='backbone.'):
    """The backbone's weights from a training checkpoint (keys under
    ``prefix``, prefix removed), or the whole state dict of a backbone-only
    file (from tools/extract_backbone.py)."""
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    if any(k.startswith(prefix) for k in state):
        return {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
    return dict(state)


def load_backbone(backbone, checkpoint, prefix='backbone.'):
    """Load a checkpoint's backbone weights into ``backbone``, strictly; a
    mismatch (missing, unexpected or differently shaped weights, e.g. a
    ResNet-18 checkpoint for a ResNet-50) is a one-line error naming the
    file."""
    state = backbone_state_dict(checkpoint, prefix)
    own = backbone.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shaped = [
        k for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shaped:
        raise UsageError(
            f'{checkpoint}: its backbone weights do not fit the configured '
            f'backbone ({len(missing)} missing, {len(unexpected)} '
            f'unexpected, {len(shaped)} of another shape, e.g. '
            f'{(missing + unexpected + shaped)[:2]})')
    backbone.load_state_dict(state, strict=True)
    return backbone
