"""``augment_on='device'``: move a config's view augmentations from the data
workers to the model's data preprocessor.

Any config with a ``MultiView`` / ``SaliencyMultiView`` training pipeline
can switch: ``--cfg-options augment_on=device`` (the COCO recipes set it).
The tail of each view pipeline made of transforms with a batched twin
(``ColorJitter`` in a ``RandomApply``, ``RandomGrayscale``,
``GaussianBlur``, ``Solarize``, ``RandomFlip``) moves to
:class:`ViewAugmentPreprocessor`, built from the same options; the workers
keep loading and cropping (``SaliencyCrop`` / ``RandomResizedCrop``, uint8
out). ``tools/train.py`` applies this when loading the config.
"""
import copy

from ...errors import OptionError
from .batch_augment import (BatchColorJitter, BatchFlip, BatchGaussianBlur,
                            BatchGrayscale, BatchSolarize)

VIEW_WRAPPERS = ('MultiView', 'SaliencyMultiView')


def _type(cfg):
    return str(cfg.get('type', '')).split('.')[-1]


def _blur_sigma(cfg):
    """mmpretrain GaussianBlur's radius (= sigma) range."""
    if cfg.get('radius') is not None:
        return (float(cfg['radius']), ) * 2
    low, high = cfg['magnitude_range']
    top = low + cfg.get('magnitude_level', 10) / cfg.get('total_level', 10) * (
        high - low)
    std = cfg.get('magnitude_std', 0.)
    if std == 'inf':
        return (low, top)
    if std <= 0:  # mmpretrain: a fixed magnitude
        return (top, top)
    raise OptionError(f'augment_on=device: GaussianBlur magnitude_std={std!r} '
                      "has no batched twin (use 'inf' or 0)")


def batch_op(cfg, prob=1.0):
    """The batched twin of one CPU transform config, or None if it has none.

    Args:
        cfg (dict): A transform config of the view pipeline.
        prob (float): Probability of an enclosing ``RandomApply``.
    """
    kind = _type(cfg)
    if kind == 'RandomApply':
        inner = cfg.get('transforms', [])
        if len(inner) != 1:
            return None  # one coin for several transforms: no twin
        return batch_op(inner[0], prob * cfg.get('prob', 0.5))
    if kind == 'ColorJitter':
        if cfg.get('backend', 'pillow') != 'pillow':
            raise OptionError(f"augment_on=device: ColorJitter backend="
                              f"{cfg['backend']!r}; the batched twin follows "
                              "'pillow' only")
        return BatchColorJitter(
            cfg.get('brightness', 0.),
            cfg.get('contrast', 0.),
            cfg.get('saturation', 0.),
            cfg.get('hue', 0.),
            prob=prob)
    if kind == 'RandomGrayscale':
        if not cfg.get('keep_channels', False):
            raise OptionError('augment_on=device: RandomGrayscale needs '
                              'keep_channels=True (views stay 3-channel)')
        order = cfg.get('color_format', 'bgr')
        if order not in ('bgr', 'rgb'):
            raise OptionError(f'augment_on=device: RandomGrayscale '
                              f'color_format={order!r} has no batched twin')
        # mmcv weighs the channels in the order the image is stored (BGR,
        # as loaded) whatever color_format says; the ops see it reversed
        weights = list(cfg.get('channel_weights', (1., 1., 1.)))
        return BatchGrayscale(prob * cfg.get('prob', 0.1), weights[::-1])
    if kind == 'GaussianBlur':
        return BatchGaussianBlur(_blur_sigma(cfg), prob * cfg.get('prob', .5))
    if kind == 'Solarize':
        if cfg.get('thr') is None:
            raise OptionError('augment_on=device: Solarize needs a fixed '
                              'thr (magnitude_range has no batched twin)')
        return BatchSolarize(cfg['thr'], prob * cfg.get('prob', 0.5))
    if kind == 'RandomFlip':
        p, direction = cfg.get('prob', None), cfg.get('direction',
                                                      'horizontal')
        if not isinstance(p, (int, float)) or direction != 'horizontal':
            raise OptionError('augment_on=device: RandomFlip needs one prob '
                              "and direction='horizontal'")
        return BatchFlip(prob * p)
    return None


def split_view_pipeline(pipeline):
    """``(worker part, device part)`` of one view pipeline: the longest tail
    of transforms that all have batched twins moves to the device."""
    cut = len(pipeline)
    while cut > 0 and batch_op(pipeline[cut - 1]) is not None:
        cut -= 1
    return list(pipeline[:cut]), list(pipeline[cut:])


def move_view_augment(cfg):
    """Rewrite ``cfg`` (an mmengine Config) in place for
    ``augment_on='device'``; returns it. ``augment_on='cpu'`` (or absent)
    leaves it as it is, and so does a config rewritten already (one a run
    saved into its work_dir: its data preprocessor holds ``view_augments``)."""
    where = cfg.get('augment_on', 'cpu')
    if where not in ('cpu', 'device'):
        raise OptionError(f"augment_on: {where!r}; choose 'cpu' or 'device'")
    if where == 'cpu':
        return cfg
    pre = dict(cfg.model.get('data_preprocessor') or {})
    if pre.get('view_augments'):
        return cfg
    pipeline = cfg.train_dataloader.dataset.get('pipeline') or []
    wrappers = [t for t in pipeline if _type(t) in VIEW_WRAPPERS]
    if len(wrappers) != 1:
        raise OptionError('augment_on=device: train_dataloader.dataset.'
                          'pipeline needs exactly one MultiView or '
                          f'SaliencyMultiView, found {len(wrappers)}')
    views = wrappers[0]
    num_views = views['num_views']
    if isinstance(num_views, int):
        num_views = [num_views]
    moved = []
    for i, view_pipeline in enumerate(views['transforms']):
        worker, device = split_view_pipeline(view_pipeline)
        if not device:
            last = _type(view_pipeline[-1]) if view_pipeline else 'nothing'
            raise OptionError(
                f'augment_on=device: view pipeline {i} ends with {last}, '
                'which has no batched twin; nothing would move')
        views['transforms'][i] = worker
        moved += [copy.deepcopy(device)] * num_views[i]
    kind = _type(pre) or 'SelfSupDataPreprocessor'
    if kind not in ('SelfSupDataPreprocessor', 'ViewAugmentPreprocessor'):
        raise OptionError(f'augment_on=device: model.data_preprocessor is '
                          f'{kind}; it must be SelfSupDataPreprocessor')
    pre.update(type='ViewAugmentPreprocessor', view_augments=moved)
    cfg.model.data_preprocessor = pre
    return cfg
