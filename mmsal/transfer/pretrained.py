"""Which parts of a model start from a pretrained checkpoint, and whether
they name one pretraining that exists. Used before a run starts: by
``tools/train.py`` for probe / fine-tuning configs and by
:mod:`mmsal.transfer.preflight` for detection / segmentation transfer."""
from __future__ import annotations
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ..errors import UsageError, require_file

#: init_cfg types that load a checkpoint (mmengine's and mmsal.transfer's)
PRETRAINED_TYPES = ('Pretrained', 'StrictPretrained')

#: (config key, init_cfg) of one model part
PartInit = Tuple[str, Dict[str, Any]]


def pretrained_inits(cfg: Mapping[str, Any]) -> List[PartInit]:
    """``(config key, init_cfg)`` of each model part that starts from a
    checkpoint: the backbone, and a detector's RoI head made of the
    backbone's last stage (R50-C4)."""
    model = cfg.get('model') or {}
    parts = (('model.backbone', model.get('backbone')),
             ('model.roi_head.shared_head', (model.get('roi_head')
                                             or {}).get('shared_head')))
    found = []
    for key, part in parts:
        init = (part or {}).get('init_cfg')
        if isinstance(init, dict) and init.get('type') in PRETRAINED_TYPES:
            found.append((f'{key}.init_cfg', init))
    return found


def check_pretrained(cfg: Mapping[str, Any]) -> None:
    """A probe / fine-tuning / transfer config whose backbone should start
    from a checkpoint must name one that exists (mmengine would only fail
    when it builds the model, with a less clear message)."""
    for part, init in pretrained_inits(cfg):
        key = part + '.checkpoint'
        ckpt = init.get('checkpoint')
        if not ckpt:
            raise UsageError(
                f'{key} is not set: pass --cfg-options {key}=PATH (a '
                f'pretraining checkpoint), or {part}=None for the random-init '
                'baseline')
        if '://' not in str(ckpt):
            require_file(ckpt, key)
    check_one_pretraining(pretrained_inits(cfg))


def check_one_pretraining(inits: Sequence[PartInit]) -> None:
    """The parts of ``inits`` (:func:`pretrained_inits`) are one pretrained
    ResNet: they name the same checkpoint, and a stage one part leaves out
    (``ignore``, e.g. ``layer4.`` for an R50-C4 backbone) is loaded by
    another (``keep``), or the RoI head holding it would train from random
    init unnoticed. Other ignored weights (a classifier's ``fc.``) pass."""
    first_key, first = inits[0] if inits else (None, {})
    for key, init in inits[1:]:
        if init.get('checkpoint') != first.get('checkpoint'):
            raise UsageError(
                f"{key}.checkpoint ({init.get('checkpoint')}) is not "
                f"{first_key}.checkpoint ({first.get('checkpoint')}): both "
                'parts come from one pretraining; set both')
    for key, init in inits:
        stages = [p for p in init.get('ignore', ()) if p.startswith('layer')]
        for prefix in stages:
            if not any(
                    prefix in other.get('keep', ())
                    for other_key, other in inits if other_key != key):
                raise UsageError(
                    f'{key}.ignore leaves out {prefix}* but no other part '
                    f"loads it (an init_cfg with keep=('{prefix}',)): those "
                    'weights would stay at random init')
