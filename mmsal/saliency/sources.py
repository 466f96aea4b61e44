"""Where the saliency maps come from: the model, or a control.

The method's maps come from the network (``'model'``,
:class:`~mmsal.saliency.FullPass`). The other sources are the controls that
tell "the maps are wrong" from "the crops ignore the maps" from "guidance
cannot help on this data"; each can train (``SaliencyHook(source=...)``) and
be scored (``tools/eval_saliency.py --source``):

- ``'oracle'``: the ceiling, drawn from the dataset's ground truth: the share
  of each cell covered by objects (instance masks through pycocotools where
  the annotation file has them, else boxes);
- ``'contrast'``: the low-level baseline, from the pixels alone: the mean
  image-gradient magnitude in each cell, no network;
- ``'shuffled'``: the placebo: each image gets another image's map of the
  source ``of`` (a fixed permutation per ``seed`` in which no image keeps its
  own), so the maps' statistics are unchanged and only the place is wrong;
- ``'centre'``: a fixed centred Gaussian, the centre-bias control;
- ``'file'``: external maps (:class:`~mmsal.saliency.FileMaps`).

Every source returns ``(maps, valid)`` like FullPass: ``(n, S, S)`` maps
min-max normalised per image and a ``(n,)`` bool. ``native_grid`` is the
side of the grid the maps were computed on before resizing to ``S``.
Sources other than ``'model'`` are ``static``: the hook computes them once.
"""
from __future__ import annotations
from typing import (TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from ..errors import OptionError
from .full_pass import FullImages, FullPass, stack_full_images
from .maps import MapSource, normalize_maps

if TYPE_CHECKING:
    from mmengine.dataset import BaseDataset

#: what a source returns: ``(n, S, S)`` maps and a ``(n,)`` bool
Maps = Tuple[torch.Tensor, torch.Tensor]

SOURCES = ('model', 'oracle', 'contrast', 'shuffled', 'centre', 'file')


def _valid_info(info: Mapping[str, Any]) -> bool:
    return bool(info.get('height')) and bool(info.get('width'))


class CentreMaps(MapSource):
    """The same centred Gaussian for every image.

    Args:
        map_size (int): Side of the maps.
        sigma (float): Standard deviation, as a share of the image side.
            Defaults to 0.25.
    """
    static = True

    def __init__(self, map_size: int, sigma: float = 0.25) -> None:
        if not sigma > 0:
            raise OptionError(f'centre maps: sigma must be > 0, got {sigma}')
        self.native_grid = int(map_size)
        pos = (torch.arange(map_size, dtype=torch.float32) + 0.5) / map_size
        d2 = (pos[:, None] - 0.5)**2 + (pos[None] - 0.5)**2
        self.map = normalize_maps(torch.exp(-d2 / (2 * sigma**2))[None])[0][0]

    def __call__(self, model: Optional[nn.Module], dataset: BaseDataset,
                 indices: Sequence[int]) -> Maps:
        n = len(indices)
        return self.map.expand(n, -1, -1).clone(), torch.ones(
            n, dtype=torch.bool)


class ContrastMaps(MapSource):
    """The mean gradient magnitude of the grey image in each cell.

    Args:
        map_size (int): Side of the maps.
        input_size (int): Side the image is resized to first. Defaults to
            224.
        batch_size (int): Images per batch. Defaults to 64.
        num_workers (int): Loader workers. Defaults to 2.
    """
    static = True

    def __init__(self,
                 map_size: int,
                 input_size: int = 224,
                 batch_size: int = 64,
                 num_workers: int = 2) -> None:
        self.map_size = self.native_grid = int(map_size)
        self.input_size = int(input_size)
        self.batch_size, self.num_workers = int(batch_size), int(num_workers)

    @staticmethod
    def gradient(imgs: torch.Tensor) -> torch.Tensor:
        """``(B, H, W)`` gradient magnitude of ``(B, 3, H, W)`` images."""
        grey = imgs.float().mean(1, keepdim=True)
        sobel = torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])
        kernel = torch.stack([sobel, sobel.t()])[:, None]
        grad = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode='replicate'), kernel)
        return grad.pow(2).sum(1).sqrt()

    def __call__(self, model: Optional[nn.Module], dataset: BaseDataset,
                 indices: Sequence[int]) -> Maps:
        loader = DataLoader(
            FullImages(dataset, indices, self.input_size),
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            collate_fn=stack_full_images)
        maps, valid = [], []
        for batch in loader:
            pooled = F.adaptive_avg_pool2d(
                self.gradient(batch['inputs'])[:, None], self.map_size)[:, 0]
            maps.append(normalize_maps(pooled)[0])
            valid.append(batch['readable'])
        return torch.cat(maps), torch.cat(valid)


class OracleMaps(MapSource):
    """The share of each cell covered by ground-truth objects.

    Boxes come from the dataset's ``gt_bboxes``; where the dataset's COCO
    annotation files hold instance masks (``segmentation``), these are used
    instead, through pycocotools. Images without objects or without a known
    size get no valid map (their crops stay random).

    Args:
        map_size (int): Side of the maps.
        masks (bool): Use instance masks where the annotations have them.
            Defaults to True.
        raster (int): Sub-cells per cell side for boxes. Defaults to 8.
    """
    static = True

    def __init__(self,
                 map_size: int,
                 masks: bool = True,
                 raster: int = 8) -> None:
        self.map_size = self.native_grid = int(map_size)
        self.masks, self.raster = bool(masks), int(raster)
        self.used = 'boxes'  # or 'masks', once masks were found

    def _box_map(self, boxes: np.ndarray, h: float, w: float) -> np.ndarray:
        side = self.map_size * self.raster
        centre = (np.arange(side) + 0.5) / side
        xs, ys = centre * w, centre * h
        covered = np.zeros((side, side), bool)
        for x1, y1, x2, y2 in boxes:
            covered |= (((y1 <= ys) & (ys < y2))[:, None] & ((x1 <= xs) &
                                                             (xs < x2))[None])
        return covered.reshape(self.map_size, self.raster, self.map_size,
                               self.raster).mean((1, 3))

    def _mask_map(self, mask: np.ndarray) -> np.ndarray:
        pooled = F.adaptive_avg_pool2d(
            torch.from_numpy(mask).float()[None, None], self.map_size)
        return pooled[0, 0].numpy()

    def __call__(self, model: Optional[nn.Module], dataset: BaseDataset,
                 indices: Sequence[int]) -> Maps:
        from .instance_masks import instance_masks
        masks = instance_masks(dataset) if self.masks else None
        self.used = 'masks' if masks else 'boxes'
        maps = torch.zeros(len(indices), self.map_size, self.map_size)
        valid = torch.zeros(len(indices), dtype=torch.bool)
        for row, i in enumerate(indices):
            info = dataset.get_data_info(i)
            boxes = np.asarray(info.get('gt_bboxes', []), np.float64)
            if not len(boxes) or not _valid_info(info):
                continue
            if masks is not None and info.get('img_id') in masks:
                cover = self._mask_map(masks[info['img_id']]())
            else:
                cover = self._box_map(
                    boxes.reshape(-1, 4), info['height'], info['width'])
            maps[row] = torch.from_numpy(cover).float()
            valid[row] = bool(cover.max() > 0)
        maps, _ = normalize_maps(maps)
        return maps, valid


def derangement(n: int, seed: int) -> torch.Tensor:
    """A permutation of ``range(n)`` drawn from ``seed`` that moves every
    element (one random cycle), as a ``(n,)`` long tensor."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    perm = torch.empty(n, dtype=torch.long)
    perm[order] = order.roll(-1)
    return perm


class ShuffledMaps(MapSource):
    """Another source's maps, each given to another image (the placebo).

    Args:
        base (MapSource): The source whose maps are shuffled.
        seed (int, optional): Seed of the permutation; None: 0, or the
            run's seed once :class:`~mmsal.engine.SaliencyHook` sets it.
            Defaults to None.
    """

    def __init__(self, base: MapSource, seed: Optional[int] = None) -> None:
        self.base, self.seed = base, seed
        self.static = base.static

    @property
    def native_grid(self) -> Optional[int]:  # type: ignore[override]
        # read-only: the grid of the shuffled source, which sets it
        return self.base.native_grid

    def __call__(self, model: Optional[nn.Module], dataset: BaseDataset,
                 indices: Sequence[int]) -> Maps:
        return self.base(model, dataset, indices)

    def finish(self, maps: torch.Tensor, valid: torch.Tensor) -> Maps:
        """Permute the maps of the whole training set (after gathering)."""
        if len(maps) < 2:
            return maps, valid
        perm = derangement(len(maps), int(self.seed or 0))
        return maps[perm], valid[perm]


def build_map_source(
        source: str,
        map_size: int,
        model_cfg: Mapping[str, Any],
        source_cfg: Optional[Mapping[str, Any]] = None) -> MapSource:
    """The map source ``source`` (one of :data:`SOURCES`).

    Args:
        source (str): The source's name.
        map_size (int): Side of the maps.
        model_cfg (dict): :class:`FullPass` options (``input_size``,
            ``batch_size``, ``num_workers`` also size the contrast pass).
        source_cfg (dict, optional): The source's own options: ``sigma``
            (centre), ``masks`` (oracle), ``path`` (file), ``of`` and
            ``seed`` (shuffled: the shuffled source, default ``'model'``,
            and the permutation's seed, default the run's seed).
    """
    cfg = dict(source_cfg or {})
    if source not in SOURCES:
        raise OptionError(f'saliency source must be one of {SOURCES}, got '
                          f'{source!r}')
    loader = {
        k: model_cfg[k]
        for k in ('input_size', 'batch_size', 'num_workers') if k in model_cfg
    }
    try:
        if source == 'shuffled':
            of = cfg.pop('of', 'model')
            if of == 'shuffled':
                raise OptionError("source_cfg.of cannot be 'shuffled'")
            seed = cfg.pop('seed', None)
            base = build_map_source(of, map_size, model_cfg, cfg)
            return ShuffledMaps(base, seed)
        maker: Callable[[], MapSource]
        if source == 'model':
            maker = lambda: FullPass(map_size=map_size, **model_cfg)  # noqa
        else:
            from .file_maps import FileMaps
            maker = dict(
                oracle=lambda: OracleMaps(map_size, **cfg),
                contrast=lambda: ContrastMaps(map_size, **dict(loader, **cfg)),
                centre=lambda: CentreMaps(map_size, **cfg),
                file=lambda: FileMaps(map_size=map_size, **cfg))[source]
        return maker()
    except TypeError as e:
        raise OptionError(
            f'saliency source {source!r}: bad source_cfg {source_cfg} ({e})'
        ) from None
