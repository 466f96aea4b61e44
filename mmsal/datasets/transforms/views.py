"""SaliencyMultiView: mmpretrain's MultiView that keeps per-view keys.

mmpretrain's ``MultiView`` keeps only ``img`` from each view, so a crop's
box and saliency score would be lost. This wrapper runs the same view
pipelines and also collects, per view, ``saliency_score`` (float, 1 when the
view has none), ``crop_box`` (x1, y1, x2, y2; NaN when unknown) and ``flip``
(bool). Pack them into the data samples with
``dict(type='PackInputs', algorithm_keys=['saliency_score', 'crop_box'])``;
the algorithm then reads ``data_sample.saliency_score`` (one per view).

Before the views are cropped, the first ``SaliencyCrop(mode='paired')`` of
the view pipelines draws the sample's salient region once, so that every
view is cropped inside the same region.
"""
from __future__ import annotations
import copy
from typing import Any, Dict, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmpretrain.registry import TRANSFORMS

from ...errors import OptionError
from .saliency_crop import SaliencyCrop

_DEFAULTS = dict(saliency_score=1.0, crop_box=(np.nan, ) * 4, flip=False)
_DTYPES = dict(saliency_score=np.float32, crop_box=np.float32, flip=bool)


@TRANSFORMS.register_module()
class SaliencyMultiView(BaseTransform):
    """Several augmented views of one image, with their crop records.

    Args:
        num_views (int | list[int]): Views per pipeline, as in MultiView.
        transforms (list[list[dict]]): One view pipeline per entry of
            ``num_views``.
    """

    def __init__(self, num_views: Union[int, Sequence[int]],
                 transforms: Sequence[Sequence[Any]]) -> None:
        counts = [num_views] if isinstance(num_views, int) else list(num_views)
        if len(counts) != len(transforms):
            raise OptionError('SaliencyMultiView: num_views and transforms '
                              f'differ in length ({len(counts)} vs '
                              f'{len(transforms)})')
        self.num_views = counts
        # built from mmpretrain's registry: works without a default scope
        self.pipelines = [
            Compose([
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in trans
            ]) for trans in transforms
        ]
        self.view_pipelines = [
            p for p, n in zip(self.pipelines, self.num_views) for _ in range(n)
        ]
        paired = [
            t for p in self.pipelines for t in p.transforms
            if isinstance(t, SaliencyCrop) and t.mode == 'paired'
        ]
        self.region_crop = paired[0] if paired else None

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        if self.region_crop is not None:
            results = self.region_crop.prepare(results)
        views = [p(copy.deepcopy(results)) for p in self.view_pipelines]
        results['img'] = [v['img'] for v in views]
        for key in _DEFAULTS:
            results[key] = np.array(
                [v.get(key, _DEFAULTS[key]) for v in views],
                dtype=_DTYPES[key])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_views={self.num_views})'
