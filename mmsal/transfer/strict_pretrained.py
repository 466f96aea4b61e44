"""A weight initializer that loads a pretrained backbone or fails loudly.

mmengine's ``Pretrained`` initializer loads with ``strict=False`` and only
logs what did not fit, so a checkpoint of the wrong depth, or one whose keys
carry an unexpected prefix, leaves the backbone at random init while
fine-tuning goes on. ``StrictPretrained`` is a drop-in ``init_cfg`` for the
backbones of mmdet / mmseg / mmpretrain models that refuses any mismatch.
"""
from mmengine.logging import print_log
from mmengine.model.weight_init import update_init_info
from mmengine.registry import WEIGHT_INITIALIZERS

from ..evaluation.backbone_io import backbone_state_dict, load_state


# registered in mmengine's root registry: found from the mmdet, mmseg and
# mmpretrain scopes alike
@WEIGHT_INITIALIZERS.register_module()
class StrictPretrained:
    """Load a backbone's weights; any missing, unexpected or differently
    shaped weight is an error naming the checkpoint.

    Use as ``init_cfg=dict(type='StrictPretrained', checkpoint=...)`` on the
    backbone (and on a RoI head made of the backbone's last stage, with
    ``keep=('layer4.',)``); the config needs ``custom_imports=dict(
    imports=['mmsal'])``.

    Args:
        checkpoint (str): a backbone file (tools/extract_backbone.py) or a
            mmsal / mmpretrain training checkpoint.
        prefix (str): where a training checkpoint keeps the backbone.
            Defaults to ``'backbone.'``.
        keep (tuple[str]): take only the weights whose names start with one
            of these. Defaults to ``()`` (all).
        ignore (tuple[str]): weights starting with these may stay unused
            (e.g. ``('layer4.',)`` for a backbone whose last stage sits in
            the RoI head). Defaults to ``()``.
        own_init (tuple[str]): the module's own weights starting with these
            are not pretrained and keep their init (e.g. ``('norm.',)`` for
            mmpretrain's ``ResLayerExtraNorm``). Defaults to ``()``.
    """

    def __init__(self,
                 checkpoint,
                 prefix='backbone.',
                 keep=(),
                 ignore=(),
                 own_init=()):
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.keep = tuple(keep)
        self.ignore = tuple(ignore)
        self.own_init = tuple(own_init)

    def __call__(self, module):
        count = load_state(module,
                           backbone_state_dict(self.checkpoint,
                                               self.prefix), self.checkpoint,
                           self.keep, self.ignore, self.own_init)
        # mmpretrain's ResNet zeroes the last BatchNorm of every residual
        # block after any init_cfg but 'Pretrained': not after these weights
        if getattr(module, 'zero_init_residual', False):
            module.zero_init_residual = False
        # mmengine runs an init_cfg of another type than 'Pretrained' before
        # the children's init_weights: mark them done, so that no init_cfg
        # of a block (e.g. a zero-init of its last norm) overwrites these
        for child in module.modules():
            if child is not module and hasattr(child, '_is_init'):
                child._is_init = True
        if hasattr(module, '_params_init_info'):
            update_init_info(
                module, init_info=f'StrictPretrained: {self.checkpoint}')
        print_log(
            f'StrictPretrained: {count} tensors of {self.checkpoint} loaded '
            f'into {type(module).__name__}, nothing missing' +
            (f' (unused: {", ".join(self.ignore)}*)' if self.ignore else ''),
            logger='current')
