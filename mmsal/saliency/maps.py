"""Saliency maps from the model's own output.

A saliency map is one small 2-D map per image with values in [0, 1]. It is
computed from an encoder (a backbone and its projection neck) on full images,
in eval mode and without gradients:

- ``source='activation'``: a statistic over channels of the last feature map
  (``stat='mean'``, the ContrastiveCrop heat map, or ``'l2'``, the feature
  norm);
- ``source='similarity'``: the cosine similarity between each location's
  projected feature (the neck applied to that location alone) and the
  image's global projected embedding, i.e. how much each region agrees with
  what the model outputs for the whole image.

Maps are min-max normalised per image. A flat map becomes uniform (all ones);
a map with NaN or inf is flagged invalid so that it never reaches the store.
"""
from __future__ import annotations
import abc
import math
from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import OptionError

SOURCES = ('activation', 'similarity')
STATS = ('mean', 'l2')
ENCODERS = ('momentum', 'online')
# Attributes under which mmpretrain algorithms keep their momentum encoder:
# MoCo / SalSSL, BYOL, and the name some other algorithms use.
_MOMENTUM_ATTRS = ('encoder_k', 'target_net', 'momentum_encoder')


def as_feature_map(feat):
    """Return a ``(B, C, H, W)`` feature map. Accepts that shape, or ViT
    tokens ``(B, N, C)`` with ``N`` a square (patch tokens) or a square plus
    one (a leading class token, dropped)."""
    if isinstance(feat, (tuple, list)):
        feat = feat[-1]
    if feat.dim() == 4:
        return feat
    if feat.dim() == 3:
        b, n, c = feat.shape
        for skip in (0, 1):
            side = math.isqrt(n - skip)
            if side * side == n - skip:
                grid = feat[:, skip:].transpose(1, 2)
                return grid.reshape(b, c, side, side)
    raise OptionError(
        f'saliency needs a spatial feature map (B, C, H, W) or square ViT '
        f'tokens (B, N, C); got shape {tuple(feat.shape)}. For a ViT, set '
        "the backbone's out_type='featmap' or 'raw'.")


def normalize_maps(maps, eps=1e-6):
    """Min-max normalise each ``(H, W)`` map of a ``(B, H, W)`` batch.

    Returns:
        tuple: ``(maps, valid)``; ``valid[i]`` is False where map ``i`` held
        NaN or inf (its output is then uniform, and it must not be stored).
        A flat map is valid and becomes uniform (all ones).
    """
    maps = maps.float()
    flat = maps.flatten(1)
    valid = torch.isfinite(flat).all(1)
    safe = torch.where(torch.isfinite(flat), flat, torch.zeros_like(flat))
    low = safe.min(1).values[:, None]
    span = safe.max(1).values[:, None] - low
    degenerate = (span <= eps * (1 + low.abs())).squeeze(1) | ~valid
    out = (safe - low) / span.clamp_min(eps)
    out[degenerate] = 1.0
    return out.view_as(maps), valid


def resize_maps(maps, size):
    """``(B, h, w)`` to ``(B, size, size)``: area pooling when shrinking,
    bilinear when growing."""
    x = maps[:, None]
    if x.shape[-1] >= size and x.shape[-2] >= size:
        x = F.adaptive_avg_pool2d(x, size)
    else:
        x = F.interpolate(
            x, size=(size, size), mode='bilinear', align_corners=False)
    return x[:, 0]


def _project(neck, feat):
    """The neck's output for a ``(B, C, H, W)`` map, as ``(B, D)``."""
    out = neck([feat])
    return out[0] if isinstance(out, (tuple, list)) else out


def raw_saliency(feat, source='activation', stat='mean', neck=None):
    """The un-normalised ``(B, H, W)`` saliency of a feature map."""
    if source == 'activation':
        if stat == 'mean':
            return feat.mean(1)
        return feat.pow(2).sum(1).sqrt()
    if neck is None:
        raise OptionError("source='similarity' needs the encoder's neck")
    b, c, h, w = feat.shape
    glob = F.normalize(_project(neck, feat), dim=1)  # (B, D)
    cells = feat.permute(0, 2, 3, 1).reshape(b * h * w, c, 1, 1)
    local = F.normalize(_project(neck, cells), dim=1).view(b, h * w, -1)
    return torch.einsum('bnd,bd->bn', local, glob).view(b, h, w)


def stage_module(backbone, stage):
    """Residual stage ``stage`` (0-based) of a ResNet-style backbone
    (mmpretrain's ``res_layers``)."""
    names = getattr(backbone, 'res_layers', None)
    if not names or not -len(names) <= stage < len(names):
        raise OptionError(
            f'saliency stage {stage}: {type(backbone).__name__} has '
            f'{len(names or [])} residual stages (res_layers); leave the '
            'stage unset to use its last output')
    return getattr(backbone, names[stage])


class _StageReached(Exception):
    """Ends a forward pass once the wanted stage has run."""


def backbone_features(backbone, imgs, stage=None):
    """The backbone's last output for ``imgs``, or that of residual stage
    ``stage``: read with a forward hook, which then ends the pass (the later
    stages are not computed)."""
    if stage is None:
        return backbone(imgs)
    kept = {}

    def keep_and_stop(module, args, out):
        kept['out'] = out
        raise _StageReached

    handle = stage_module(backbone, stage).register_forward_hook(keep_and_stop)
    try:
        backbone(imgs)
    except _StageReached:
        pass
    finally:
        handle.remove()
    return kept['out']


@torch.no_grad()
def compute_saliency(backbone,
                     neck,
                     imgs,
                     source='activation',
                     stat='mean',
                     map_size=7,
                     stage=None,
                     raw=False,
                     on_grid=None):
    """Saliency maps of a batch of full images.

    Args:
        backbone (nn.Module): Returns a tuple of stage outputs; the last one
            is used (a feature map, or ViT tokens).
        neck (nn.Module, optional): The projection neck; needed for
            ``source='similarity'``.
        imgs (Tensor): ``(B, 3, H, W)`` normalised images.
        source (str): ``'activation'`` or ``'similarity'``. Defaults to
            ``'activation'``.
        stat (str): Channel statistic for ``'activation'``: ``'mean'`` or
            ``'l2'``. Defaults to ``'mean'``.
        map_size (int): Side of the returned maps. Defaults to 7.
        stage (int, optional): Use this residual stage's output (0-based,
            ``source='activation'`` only) instead of the last one.
            Defaults to None.
        raw (bool): Return the resized raw saliency, not min-max
            normalised (the unit of the online update). Defaults to False.
        on_grid (callable, optional): Called with the side of the feature
            map (the maps' native grid). Defaults to None.

    Returns:
        tuple: ``(maps, valid)``: ``(B, map_size, map_size)`` float maps in
        [0, 1] (raw values with ``raw=True``) and a ``(B,)`` bool tensor,
        False where the features were not finite.
    """
    if source not in SOURCES:
        raise OptionError(f'saliency source must be one of {SOURCES}, got '
                          f'{source!r}')
    if stat not in STATS:
        raise OptionError(f'saliency stat must be one of {STATS}, got '
                          f'{stat!r}')
    if stage is not None and source != 'activation':
        raise OptionError("a saliency stage needs source='activation' (the "
                          'neck only fits the last stage)')
    feat = as_feature_map(backbone_features(backbone, imgs, stage)).float()
    if on_grid is not None:
        on_grid(min(feat.shape[-2:]))
    values = raw_saliency(feat, source, stat, neck)
    finite = torch.isfinite(values.flatten(1)).all(1)
    values = torch.where(
        torch.isfinite(values), values, torch.zeros_like(values))
    if raw:
        return resize_maps(values, map_size), finite
    maps, _ = normalize_maps(resize_maps(values, map_size))
    return maps, finite


class MapSource(abc.ABC):
    """What every saliency source offers (:mod:`mmsal.saliency.sources`):
    ``source(model, dataset, indices) -> (maps, valid)``, ``finish(maps,
    valid)`` applied to the whole training set's maps after they are
    gathered from the ranks (identity here), ``static`` (True: computed once,
    not at every refresh) and ``native_grid`` (the side of the grid the maps
    were computed on, before resizing; None until known)."""
    static: bool = True
    native_grid: Optional[int] = None

    @abc.abstractmethod
    def __call__(self, model: Optional[nn.Module], dataset: Any,
                 indices: Sequence[int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(maps, valid)`` of ``dataset[indices]``."""

    def finish(self, maps: torch.Tensor,
               valid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return maps, valid


def find_encoder(model, encoder='momentum'):
    """The ``(backbone, neck)`` of ``model`` used for saliency.

    ``'online'`` is ``model.backbone`` and ``model.neck``; ``'momentum'`` is
    the EMA copy that MoCo (``encoder_k``) or BYOL (``target_net``) keeps.
    """
    if encoder not in ENCODERS:
        raise OptionError(f'saliency encoder must be one of {ENCODERS}, got '
                          f'{encoder!r}')
    if encoder == 'online':
        return model.backbone, getattr(model, 'neck', None)
    for attr in _MOMENTUM_ATTRS:
        ema = getattr(model, attr, None)
        if ema is not None:
            seq = getattr(ema, 'module', ema)
            return seq[0], (seq[1] if len(seq) > 1 else None)
    raise OptionError(
        f"saliency encoder='momentum' but {type(model).__name__} has no "
        f'momentum encoder ({", ".join(_MOMENTUM_ATTRS)}); use '
        "encoder='online'")
