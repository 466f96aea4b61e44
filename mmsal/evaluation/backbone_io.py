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
        return {k[len(prefix):]: v for k, v in state.items()
                if k.startswith(prefix)}
    return dict(state)


def load_backbone(backbone, checkpoint, prefix='backbone.'):
    """Load a checkpoint's backbone weights into ``backbone``, strictly; a
    mismatch is a one-line error naming the file."""
    missing, unexpected = backbone.load_state_dict(
        backbone_state_dict(checkpoint, prefix), strict=False)
    if missing or unexpected:
        raise UsageError(
            f'{checkpoint}: its backbone weights do not fit the configured '
            f'backbone ({len(missing)} missing, e.g. {missing[:2]}; '
            f'{len(unexpected)} unexpected, e.g. {unexpected[:2]})')
    return backbone
