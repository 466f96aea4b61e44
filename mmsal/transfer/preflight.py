"""Check a detection / segmentation transfer config and its pretrained
weights before the GPUs start (tools/check_transfer.py).

Building the detector needs mmdet / mmseg with mmcv's compiled ops; the
weights' fit does not: mmpretrain's ResNet has the same parameter names as
mmdet's and mmseg's, so the backbone (and an R50-C4 RoI head, the last
stage) is built from mmpretrain and loaded with the config's own
``StrictPretrained`` settings. The known transfer pitfalls are checked on
the config: BatchNorm that is not synchronised, frozen stages, frozen
BatchNorm statistics, a total batch other than the protocol's 16.
"""
from torch import nn

from ..entry import PRETRAINED_TYPES, pretrained_inits, require_file
from ..errors import UsageError
from ..evaluation.backbone_io import backbone_state_dict, load_state

#: backbone types checked, by the mmpretrain class that has their names
RESNETS = ('ResNet', 'ResNetV1c', 'ResNetV1d')
PROTOCOL_BATCH = 16


def _walk(node, path='model'):
    """Every (dotted key, value) under a config node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield f'{path}.{key}', value
            yield from _walk(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')


def pitfalls(cfg, gpus):
    """The transfer pitfalls a config has, one line each."""
    found = []
    for key, value in _walk(cfg.get('model') or {}):
        name = key.rsplit('.', 1)[-1]
        if name == 'norm_cfg' and isinstance(
                value, dict) and value.get('type') != 'SyncBN':
            found.append(f"{key}.type is {value.get('type')!r}, not SyncBN")
        elif name == 'frozen_stages' and value != -1:
            found.append(f'{key} is {value}, not -1')
        elif name == 'norm_eval' and value:
            found.append(f'{key} is True: BatchNorm statistics frozen')
    batch = (cfg.get('train_dataloader') or {}).get('batch_size')
    if batch is not None and batch * gpus != PROTOCOL_BATCH:
        found.append(f'total batch {batch * gpus} (train_dataloader.'
                     f'batch_size {batch} x {gpus} GPUs), not '
                     f'{PROTOCOL_BATCH}')
    return found


def _resnet(backbone, stages=None):
    from mmpretrain.models import backbones
    depth = backbone.get('depth')
    n = stages or backbone.get('num_stages', 4)
    return getattr(backbones, backbone['type'])(
        depth=depth,
        num_stages=n,
        strides=tuple(backbone.get('strides', (1, 2, 2, 2)))[:n],
        dilations=tuple(backbone.get('dilations', (1, 1, 1, 1)))[:n],
        out_indices=(n - 1, ))


class _LastStage(nn.Module):
    """A RoI head made of a ResNet stage (mmdet's ``ResLayer``): its
    weights are named ``layer{stage + 1}.*``."""

    def __init__(self, resnet, stage):
        super().__init__()
        name = f'layer{stage + 1}'
        setattr(self, name, getattr(resnet, name))


def check_weights(cfg, config_path, checkpoint=None):
    """Load the pretrained weights as the config would, strictly; returns
    one line per model part. ``checkpoint`` replaces the config's."""
    backbone = (cfg.get('model') or {}).get('backbone')
    if not backbone:
        raise UsageError(f'{config_path}: the model has no backbone '
                         '(model.backbone): nothing to load weights into')
    if backbone.get('type') not in RESNETS:
        raise UsageError(
            f"{config_path}: model.backbone.type {backbone.get('type')!r}: "
            f'only {", ".join(RESNETS)} backbones can be checked')
    inits = pretrained_inits(cfg)
    if not inits:
        raise UsageError(
            f'{config_path}: model.backbone.init_cfg loads no checkpoint '
            f"(type one of {', '.join(PRETRAINED_TYPES)} expected)")
    lines = []
    for key, init in inits:
        if init['type'] != 'StrictPretrained':
            raise UsageError(
                f"{config_path}: {key}.type is {init['type']!r}, which loads "
                'whatever fits and only logs the rest; use StrictPretrained '
                "(custom_imports=dict(imports=['mmsal']))")
        ckpt = checkpoint or init.get('checkpoint')
        require_file(ckpt, f'{key}.checkpoint')
        if key.startswith('model.backbone'):
            module = _resnet(backbone)
            what = (f"{backbone['type']}-{backbone.get('depth')} "
                    f"({backbone.get('num_stages', 4)} stages)")
        else:
            head = cfg.model.roi_head.shared_head
            module = _LastStage(
                _resnet(dict(type=backbone['type'], depth=head.get('depth'))),
                head.get('stage', 3))
            what = f"RoI head (ResNet-{head.get('depth')} last stage)"
        state = backbone_state_dict(ckpt, init.get('prefix', 'backbone.'))
        count = load_state(module, state, ckpt, init.get('keep', ()),
                           init.get('ignore', ()))
        lines.append(f'{key}: {what} <- {count} tensors of {ckpt}, '
                     'nothing missing or unexpected')
    return lines
