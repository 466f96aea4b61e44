"""Check a detection / segmentation transfer config and its pretrained
weights before the GPUs start (tools/check_transfer.py).

Building the detector needs mmdet / mmseg with mmcv's compiled ops; the
weights' fit does not: mmpretrain's ResNet has the same parameter names as
mmdet's and mmseg's, so the backbone (and an R50-C4 RoI head, the last
stage) is built from mmpretrain and loaded with the config's own
``StrictPretrained`` settings. The known transfer pitfalls are checked on
the config: BatchNorm that is not synchronised, frozen stages, frozen
BatchNorm statistics, weight decay on norm layers (detection), a total
batch other than the protocol's (``auto_scale_lr.base_batch_size``: 16, or
8 for Cityscapes).
"""
from torch import nn

from ..errors import UsageError, require_file
from ..evaluation.backbone_io import backbone_state_dict, load_state
from .pretrained import (PRETRAINED_TYPES, check_one_pretraining,
                         pretrained_inits)

PROTOCOL_BATCH = 16
#: backbone keys whose non-default values rename or add weights: the
#: check builds plain torchvision-style ResNets only
RENAMING = dict(
    deep_stem=False, avg_down=False, stem_channels=64, base_channels=64)
#: the ImageNet mean / std of torchvision-style (RGB) weights
RGB_MEAN = [123.675, 116.28, 103.53]
RGB_STD = [58.395, 57.12, 57.375]


def _walk(node, path='model'):
    """Every (dotted key, value) under a config node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield f'{path}.{key}', value
            yield from _walk(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')


def _resnet_parts(model):
    """(key, config) of the ResNet parts: the backbone and an R50-C4 RoI
    head (mmdet's code defaults there: frozen BatchNorm statistics)."""
    parts = [('model.backbone',
              model['backbone'])] if model.get('backbone') else []
    head = (model.get('roi_head') or {}).get('shared_head')
    if head:
        parts.append(('model.roi_head.shared_head', head))
    return parts


def pitfalls(cfg, gpus):
    """The transfer pitfalls a config has, one line each."""
    model = cfg.get('model') or {}
    found = []
    for key, value in _walk(model):
        name = key.rsplit('.', 1)[-1]
        if name == 'norm_cfg' and isinstance(value, dict):
            if value.get('type') != 'SyncBN':
                found.append(f"{key}.type is {value.get('type')!r}, not "
                             'SyncBN')
            elif value.get('requires_grad') is False:
                found.append(f'{key}.requires_grad is False: BatchNorm '
                             'frozen')
        elif name == 'frozen_stages' and value != -1:
            found.append(f'{key} is {value}, not -1')
    for key, part in _resnet_parts(model):
        if not isinstance(part.get('norm_cfg'), dict):  # code default: BN
            found.append(f'{key}.norm_cfg is not set: plain BN, not SyncBN')
        # mmdet's ResNet and ResLayer default to norm_eval=True
        if part.get('norm_eval', True):
            found.append(f'{key}.norm_eval is not False: BatchNorm '
                         'statistics frozen')
        if part.get('style', 'pytorch') != 'pytorch':
            found.append(f"{key}.style is {part['style']!r}: stride on the "
                         "1x1 conv, not torchvision's (set 'pytorch')")
    pre = model.get('data_preprocessor') or {}
    if 'mean' in pre and ([float(m) for m in pre['mean']] != RGB_MEAN
                          or [float(s) for s in pre.get('std', ())] != RGB_STD
                          or not pre.get('bgr_to_rgb', False)):
        found.append('model.data_preprocessor is not RGB with the ImageNet '
                     f'mean {RGB_MEAN} and std {RGB_STD} (bgr_to_rgb=True)')
    if cfg.get('default_scope') == 'mmdet':
        paramwise = (cfg.get('optim_wrapper') or {}).get('paramwise_cfg')
        if (paramwise or {}).get('norm_decay_mult') != 0:
            found.append('optim_wrapper.paramwise_cfg.norm_decay_mult is not '
                         '0: weight decay on norm layers')
    batch = (cfg.get('train_dataloader') or {}).get('batch_size')
    protocol = protocol_batch(cfg)
    if batch is None:
        found.append('train_dataloader.batch_size is not set')
    elif batch * gpus != protocol:
        found.append(f'total batch {batch * gpus} (train_dataloader.'
                     f'batch_size {batch} x {gpus} GPUs), not the '
                     f'protocol\'s {protocol} (auto_scale_lr.base_batch_size)')
    return found


def protocol_batch(cfg):
    """The total batch a config's protocol trains with: its
    ``auto_scale_lr.base_batch_size`` (the batch its lr is for), else 16."""
    return (cfg.get('auto_scale_lr') or {}).get('base_batch_size',
                                                PROTOCOL_BATCH)


def _resnet(backbone, stages=None):
    from mmpretrain.models.backbones import ResNet
    n = stages or backbone.get('num_stages', 4)
    return ResNet(
        depth=backbone['depth'],
        num_stages=n,
        strides=tuple(backbone.get('strides', (1, 2, 2, 2)))[:n],
        dilations=tuple(backbone.get('dilations', (1, 1, 1, 1)))[:n],
        out_indices=(n - 1, ))


class _LastStage(nn.Module):
    """A RoI head made of a ResNet stage (mmdet's ``ResLayer``): its
    weights are named ``layer{stage + 1}.*``; mmpretrain's
    ``ResLayerExtraNorm`` adds a BatchNorm ``norm`` after it."""

    def __init__(self, resnet, stage, extra_norm):
        super().__init__()
        name = f'layer{stage + 1}'
        layer = getattr(resnet, name)
        setattr(self, name, layer)
        if extra_norm:
            self.norm = nn.BatchNorm2d(layer[-1].out_channels)


def check_weights(cfg, config_path, checkpoint=None):
    """Load the pretrained weights as the config would, strictly; returns
    one line per model part. ``checkpoint`` replaces the config's."""
    backbone = (cfg.get('model') or {}).get('backbone')
    if not backbone:
        raise UsageError(f'{config_path}: the model has no backbone '
                         '(model.backbone): nothing to load weights into')
    if backbone.get('type') != 'ResNet':
        raise UsageError(
            f"{config_path}: model.backbone.type {backbone.get('type')!r}: "
            "only ResNet (torchvision's layout) can be checked; ResNetV1c "
            '/ V1d have another stem than these weights')
    renamed = [
        f'{k}={backbone[k]!r}' for k, v in RENAMING.items()
        if backbone.get(k, v) != v
    ]
    if renamed:
        raise UsageError(f'{config_path}: model.backbone has '
                         f'{", ".join(renamed)}: not the layout of '
                         "torchvision's ResNet these weights have")
    inits = pretrained_inits(cfg)
    if not inits:
        raise UsageError(
            f'{config_path}: model.backbone.init_cfg loads no checkpoint '
            f"(type one of {', '.join(PRETRAINED_TYPES)} expected)")
    check_one_pretraining(inits)
    lines = []
    for key, init in inits:
        if init['type'] != 'StrictPretrained':
            raise UsageError(
                f"{config_path}: {key}.type is {init['type']!r}, which loads "
                'whatever fits and only logs the rest; use StrictPretrained '
                "(custom_imports=dict(imports=['mmsal']))")
        ckpt = checkpoint or init.get('checkpoint')
        if not ckpt:
            raise UsageError(f'{config_path}: {key}.checkpoint is not set; '
                             'pass --checkpoint PATH')
        if '://' not in str(ckpt):
            require_file(ckpt, f'{key}.checkpoint')
        if key.startswith('model.backbone'):
            module = _resnet(backbone)
            what = (f"ResNet-{backbone['depth']} "
                    f"({backbone.get('num_stages', 4)} stages)")
        else:
            head = cfg.model.roi_head.shared_head
            if 'depth' not in head:
                raise UsageError(f'{config_path}: model.roi_head.shared_head '
                                 'has no depth')
            module = _LastStage(
                _resnet(dict(depth=head['depth'])), head.get('stage', 3),
                head.get('type') == 'ResLayerExtraNorm')
            what = f"RoI head (ResNet-{head['depth']} last stage)"
        state = backbone_state_dict(ckpt, init.get('prefix', 'backbone.'))
        count = load_state(module, state, ckpt, init.get('keep', ()),
                           init.get('ignore', ()), init.get('own_init', ()))
        lines.append(f'{key}: {what} <- {count} tensors of {ckpt}, '
                     'nothing missing or unexpected')
    return lines
