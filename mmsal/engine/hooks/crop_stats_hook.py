"""CropStatsHook: what the training crops hold, and what the pair weights
follow, per epoch.

From each step's data samples (view 0 = query, view 1 = key) and the head's
``last_weights`` it logs the means of
:func:`~mmsal.evaluation.crop_pairs.pair_measures` against the dataset's
ground-truth boxes (``crops/*``; images without boxes are not measured) and
how the weights spread and what they follow (``weights/*``: mean, std, cv,
Pearson r with the log of the pair's crop area share and with its object
coverage). A diagnostic, not part of the method (ours).
"""
from __future__ import annotations
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmengine.dist import all_gather_object
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model
from numpy.typing import ArrayLike

from ...errors import OptionError

if TYPE_CHECKING:
    from mmengine.runner import Runner

from ...evaluation.crop_pairs import (MEASURES, covered_share, mean_measures,
                                      pair_measures)

NEEDED = ('crop_box', 'sample_idx', 'ori_shape')


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson r of two sequences; NaN with fewer than 2 values or a
    constant one."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float('nan')
    return float(np.corrcoef(x, y)[0, 1])


@HOOKS.register_module()
class CropStatsHook(Hook):
    """Per-epoch crop measures and pair-weight diagnostics.

    Args:
        interval (int): Epochs between measurements. Defaults to 1.
        max_pairs (int): Pairs measured per epoch and rank, the first of
            the epoch (bounds the cost). Defaults to 2000.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 1, max_pairs: int = 2000) -> None:
        if int(interval) < 1 or int(max_pairs) < 1:
            raise OptionError('CropStatsHook: interval and max_pairs must be '
                              f'>= 1, got {interval} and {max_pairs}')
        self.interval, self.max_pairs = int(interval), int(max_pairs)
        self._pairs: List[Dict[str, Any]] = []

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if data_batch is None:
            return
        samples = data_batch['data_samples']
        missing = [k for k in NEEDED if samples and k not in samples[0]]
        if missing:
            raise OptionError(
                f'CropStatsHook: the data samples have no {missing[0]!r}: use '
                "SaliencyMultiView and PackInputs(algorithm_keys=["
                "'saliency_score', 'crop_box'])")
        if not self.every_n_epochs(runner, self.interval):
            return
        head = getattr(get_ori_model(runner.model), 'head', None)
        weights = getattr(head, 'last_weights', None)
        if weights is not None and len(weights) >= len(samples):
            weights = weights[:len(samples)].float().cpu().numpy()
        else:
            weights = None  # first B: the (query, key) = (0, 1) pairs
        dataset = runner.train_dataloader.dataset
        for i, ds in enumerate(samples):
            if len(self._pairs) >= self.max_pairs:
                return
            views = np.asarray(ds.crop_box, np.float64).reshape(-1, 4)[:2]
            if len(views) < 2 or not np.isfinite(views).all():
                continue
            info = dataset.get_data_info(int(ds.sample_idx))
            objects = np.asarray(info.get('gt_bboxes', ()),
                                 np.float64).reshape(-1, 4)
            shares = np.prod((views[:, 2:] - views[:, :2]).clip(0), 1)
            shares /= max(float(np.prod(ds.ori_shape[:2])), 1.)
            self._pairs.append(
                dict(
                    measures=pair_measures(views[0], views[1], objects),
                    weight=None if weights is None else float(weights[i]),
                    log_area=float(np.log(np.sqrt(shares.prod()) + 1e-12)),
                    cover=np.mean([covered_share(v, objects)
                                   for v in views]) if len(objects) else None))

    def after_train_epoch(self, runner: Runner) -> None:
        if not self.every_n_epochs(runner, self.interval):
            return
        pairs = [p for part in all_gather_object(self._pairs) for p in part]
        self._pairs = []
        scalars = self.summarize(pairs)
        if not scalars:
            return
        runner.visualizer.add_scalars(scalars, step=runner.epoch + 1)
        runner.logger.info(f'CropStatsHook: epoch {runner.epoch + 1}, '
                           f'{len(pairs)} pairs: ' +
                           ', '.join(f'{k} {v:.3f}'
                                     for k, v in scalars.items()))

    @staticmethod
    def summarize(pairs: Sequence[Mapping[str, Any]]) -> Dict[str, float]:
        """The logged scalars of the gathered pairs (see the module
        docstring); one that cannot be computed (no boxes, no weights, a
        constant input of a correlation) is left out."""
        out = {}
        crops = mean_measures([p['measures'] for p in pairs])
        if crops is not None:
            out.update({f'crops/{k}': crops[k] for k in MEASURES})
        weighted = [p for p in pairs if p['weight'] is not None]
        if not weighted:
            return {k: v for k, v in out.items() if np.isfinite(v)}
        w = np.array([p['weight'] for p in weighted])
        out['weights/mean'] = float(w.mean())
        out['weights/std'] = float(w.std())
        out['weights/cv'] = float(w.std() / max(abs(w.mean()), 1e-12))
        out['weights/corr_log_area'] = pearson(
            w, [p['log_area'] for p in weighted])
        covered = [p for p in weighted if p['cover'] is not None]
        out['weights/corr_object_share'] = pearson(
            [p['weight'] for p in covered], [p['cover'] for p in covered])
        return {k: v for k, v in out.items() if np.isfinite(v)}
