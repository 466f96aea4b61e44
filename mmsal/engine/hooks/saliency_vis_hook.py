"""SaliencyVisHook: a picture of the saliency after every refresh.

For a fixed set of training images it draws the grid of
:mod:`mmsal.visualization.saliency_grid` (image | heat-map overlay | sampled
crops as boxes with their scores | the crops themselves) from the maps the
training is using, and sends it to the runner's visualizer as
``add_image(name, grid, step=epoch)``: every configured vis backend gets it
(LocalVisBackend writes ``<work_dir>/<timestamp>/vis_data/vis_image/
saliency_<epoch>.png``; TensorBoard or W&B when configured). ``epoch`` is
the 1-based epoch the maps steer, as in SaliencyHook's log line "refreshed
... before epoch N".

When: before each training epoch, after SaliencyHook (lower priority), if
the store's checksum differs from the one last drawn. That catches every
refresh and a store restored on resume, whatever the refresh schedule.

Training is not changed: only rank 0 draws; crops come from a copy of the
pipeline's SaliencyCrop with the hook's own numpy Generator (the global
random state is restored after each draw); nothing is written to the store.
"""
from __future__ import annotations
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.transforms import SaliencyCrop
from ...datasets.walk import find_transforms
from ...errors import OptionError
from ...saliency.full_pass import _dataset_loader
from ...visualization import (column_titles, make_grid, saliency_row,
                              sample_crops)
from .saliency_hook import SaliencyHook

if TYPE_CHECKING:
    from mmengine.dataset import BaseDataset
    from mmengine.runner import Runner

    from ...saliency.store import SaliencyStore


def spread_indices(num_images, length):
    """``num_images`` indices spread evenly over ``range(length)``."""
    num = min(int(num_images), length)
    return sorted({int(round(i)) for i in np.linspace(0, length - 1, num)})


@HOOKS.register_module()
class SaliencyVisHook(Hook):
    """Draw the saliency of a few training images after each refresh.

    Args:
        indices (Sequence[int], optional): Training images to draw. Defaults
            to ``num_images`` images spread over the dataset.
        num_images (int): Images to draw when ``indices`` is not given.
            Defaults to 4.
        num_crops (int): Crops sampled per image. Defaults to 4.
        tile (int): Side of each tile of the grid in pixels. Defaults to
            160.
        seed (int): Seed of the hook's own crop sampler; the same at every
            refresh, so pictures differ only by their maps. Defaults to 0.
        name (str): Image name in the vis backends. Defaults to
            ``'saliency'``.
    """

    priority = 'LOW'  # after SaliencyHook (ABOVE_NORMAL), before_train_epoch

    def __init__(self,
                 indices: Optional[Sequence[int]] = None,
                 num_images: int = 4,
                 num_crops: int = 4,
                 tile: int = 160,
                 seed: int = 0,
                 name: str = 'saliency') -> None:
        if indices is not None and (len(indices) == 0
                                    or min(int(i) for i in indices) < 0):
            raise OptionError('SaliencyVisHook: indices must be a non-empty '
                              f'list of image indices >= 0, got {indices}')
        for option, value, low in (('num_images', num_images, 1),
                                   ('num_crops', num_crops, 0), ('tile', tile,
                                                                 32)):
            if int(value) < low:
                raise OptionError(f'SaliencyVisHook: {option} must be >= '
                                  f'{low}, got {value}')
        self.indices: Optional[List[int]] = (None if indices is None else
                                             [int(i) for i in indices])
        self.num_images = int(num_images)
        self.num_crops = int(num_crops)
        self.tile = int(tile)
        self.seed = int(seed)
        self.name = name
        self.crop: Optional[SaliencyCrop] = None
        self.loader: Optional[Callable[[dict], dict]] = None
        self._drawn: Optional[int] = None  # checksum of the store last drawn
        self._warned = False

    def before_train(self, runner: Runner) -> None:
        dataset = runner.train_dataloader.dataset
        n = len(dataset)
        if self.indices is None:
            self.indices = spread_indices(self.num_images, n)
        bad = [i for i in self.indices if i >= n]
        if bad:
            raise OptionError(f'SaliencyVisHook: indices {bad} are out of '
                              f'range for a training set of {n} images')
        crops = find_transforms(dataset, SaliencyCrop)
        self.crop = crops[0] if crops else None
        self.loader = _dataset_loader(getattr(dataset, 'pipeline', None))

    def before_train_epoch(self, runner: Runner) -> None:
        if not is_main_process():
            return
        # the store from the one place that owns it
        owner = next((h for h in runner.hooks if isinstance(h, SaliencyHook)),
                     None)
        store = None if owner is None else owner.store
        if store is None or self.crop is None:
            if not self._warned:
                runner.logger.warning(
                    'SaliencyVisHook: no saliency store to draw (is '
                    'SaliencyHook in custom_hooks, and SaliencyCrop in the '
                    'training pipeline?)')
                self._warned = True
            return
        if not bool(store.valid.any()):
            return  # warm-up: no maps yet
        checksum = store.checksum()
        if checksum == self._drawn:
            return
        grid = self.render(runner.train_dataloader.dataset, store)
        step = runner.epoch + 1
        runner.visualizer.add_image(self.name, grid, step=step)
        self._drawn = checksum
        runner.logger.info(
            f'SaliencyVisHook: drew {len(self.indices or ())} image(s) of the '
            f'store {checksum:08x} as {self.name!r}, step {step} '
            f'({grid.shape[1]}x{grid.shape[0]} px)')

    def render(self, dataset: BaseDataset, store: SaliencyStore) -> np.ndarray:
        """The grid of ``self.indices`` with the maps of ``store``."""
        if self.indices is None or self.loader is None:
            raise RuntimeError('SaliencyVisHook.render: before_train first')
        rng = np.random.default_rng(self.seed)
        rows = []
        for index in self.indices:
            results = self.loader(dict(dataset.get_data_info(index)))
            img = results['img']
            if img.ndim == 3:  # LoadImageFromFile gives BGR
                img = np.ascontiguousarray(img[..., ::-1])
            saliency = store.get(index)
            boxes, scores = sample_crops(self.crop, img, saliency,
                                         self.num_crops, rng)
            rows.append(
                saliency_row(
                    img, saliency, boxes, scores, self.tile,
                    label=f'#{index}'))
        return make_grid(rows, titles=column_titles(self.num_crops))
