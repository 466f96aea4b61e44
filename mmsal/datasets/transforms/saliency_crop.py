"""SaliencyCrop: a RandomResizedCrop that prefers salient regions.

The image's saliency map comes from the :class:`~mmsal.saliency.SaliencyStore`
(looked up by ``sample_idx``). Each crop's score is its mean saliency over the
image's mean saliency, computed exactly on the small map (cells weighted by
their overlap with the crop), so 1 means "as salient as the image on
average". The score is recorded in ``results['saliency_score']`` for the loss
weight, the box (x1, y1, x2, y2 in original pixels) in
``results['crop_box']``.

Modes (all choices ours; the paper's rule is not public):

- ``'candidates'`` (default): take ``num_candidates`` fresh RandomResizedCrop
  boxes (whole pixels) for every view and pick one with probability
  proportional to ``score ** (1 / tau)``. With a flat map every candidate
  scores 1, so the crop is distributed exactly as RandomResizedCrop's; the
  recorded score is that of the box cropped. For speed the boxes are drawn
  ahead, 16 views' worth at a time per image size, with their overlaps with
  the map's cells (:class:`DrawnAhead`); each box is used once, so this only
  changes the order of numpy's random draws, not their distribution.
- ``'box'``: ContrastiveCrop-style: the tightest box around map cells at or
  above ``box_threshold``; the crop's centre is drawn inside it with a
  ``Beta(beta_alpha, beta_alpha)`` offset, its size as in RandomResizedCrop.
- ``'paired'``: object-aware pairs. One salient region is drawn per image
  and sample (:func:`~.crop_boxes.salient_region`: a map peak's component,
  dilated by ``region_dilate``, at least ``region_min_side`` of the image
  side); every view of the sample is then a RandomResizedCrop *inside* that
  region (``crop_ratio_range`` relative to the region's area), so both views
  tend to show the same object. The region is drawn once per sample by
  :class:`~mmsal.datasets.transforms.SaliencyMultiView` (``prepare``) and
  recorded as ``results['saliency_region']``.
- ``guided=False``: a plain RandomResizedCrop whose score is still recorded
  (the "reweight only" ablation).

Without a valid map (warm-up) it is exactly RandomResizedCrop (same random
draws, same pixels) and records score 1.
"""
from __future__ import annotations
import math
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmpretrain.datasets.transforms import RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

from ...errors import OptionError
from .crop_boxes import DrawnAhead, box_scores, salient_region

MODES = ('candidates', 'box', 'paired')


@TRANSFORMS.register_module()
class SaliencyCrop(RandomResizedCrop):
    """Crop guided by the saliency store; a drop-in RandomResizedCrop.

    Args:
        scale (int | tuple): Output size, as in RandomResizedCrop.
        crop_ratio_range (tuple): Crop area over image area. Defaults to
            (0.08, 1.0).
        aspect_ratio_range (tuple): Defaults to (3/4, 4/3).
        mode (str): ``'candidates'`` or ``'box'``. Defaults to
            ``'candidates'``.
        num_candidates (int): Boxes drawn in ``'candidates'`` mode.
            Defaults to 32.
        tau (float): Temperature of the choice; small picks the most salient
            box, large is uniform. Must be > 0. Defaults to 0.5.
        box_threshold (float): Map level bounding the box in ``'box'`` mode.
            Defaults to 0.3.
        beta_alpha (float): Beta parameter of the centre offset in ``'box'``
            mode. Defaults to 0.6.
        region_level (float): ``'paired'``: cells joined to the drawn peak
            are those at or above this share of its value. Defaults to 0.5.
        region_dilate (float): ``'paired'``: growth of the region box, as a
            share of its size. Defaults to 0.2.
        region_min_side (float): ``'paired'``: smallest region side, as a
            share of the image side. Defaults to 0.3.
        region_max_side (float): ``'paired'``: largest region side (cut
            about the peak). Defaults to 0.5.
        guided (bool): Choose crops by saliency; False only records scores.
            Defaults to True.
        **kwargs: ``max_attempts``, ``interpolation``, ``backend`` as in
            RandomResizedCrop.
    """

    def __init__(self,
                 scale: Union[int, Sequence[int]],
                 crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4., 4. / 3.),
                 mode: str = 'candidates',
                 num_candidates: int = 32,
                 tau: float = 0.5,
                 box_threshold: float = 0.3,
                 beta_alpha: float = 0.6,
                 region_level: float = 0.5,
                 region_dilate: float = 0.2,
                 region_min_side: float = 0.3,
                 region_max_side: float = 0.5,
                 guided: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(
            scale,
            crop_ratio_range=crop_ratio_range,
            aspect_ratio_range=aspect_ratio_range,
            **kwargs)
        if mode not in MODES:
            raise OptionError(f'SaliencyCrop: mode must be one of {MODES}, '
                              f'got {mode!r}')
        if not tau > 0:
            raise OptionError(f'SaliencyCrop: tau must be > 0, got {tau}')
        if int(num_candidates) < 1:
            raise OptionError('SaliencyCrop: num_candidates must be >= 1, '
                              f'got {num_candidates}')
        if not 0 <= box_threshold <= 1:
            raise OptionError('SaliencyCrop: box_threshold must be in [0, 1],'
                              f' got {box_threshold}')
        for name, value in (('region_level', region_level), ('region_min_side',
                                                             region_min_side),
                            ('region_max_side', region_max_side)):
            if not 0 <= value <= 1:
                raise OptionError(f'SaliencyCrop: {name} must be in [0, 1], '
                                  f'got {value}')
        if not region_dilate >= 0:
            raise OptionError('SaliencyCrop: region_dilate must be >= 0, got '
                              f'{region_dilate}')
        if not beta_alpha > 0:
            raise OptionError('SaliencyCrop: beta_alpha must be > 0, got '
                              f'{beta_alpha}')
        self.mode = mode
        self.num_candidates = int(num_candidates)
        self.tau = float(tau)
        self.box_threshold = float(box_threshold)
        self.beta_alpha = float(beta_alpha)
        self.region = dict(
            tau=self.tau,
            level=float(region_level),
            dilate=float(region_dilate),
            min_side=float(region_min_side),
            max_side=float(region_max_side))
        self.guided = guided
        # the SaliencyStore, attached by SaliencyHook before workers start
        self.store = None
        self._log_ratio = (math.log(self.aspect_ratio_range[0]),
                           math.log(self.aspect_ratio_range[1]))
        self.drawn = DrawnAhead(self.sample_boxes)

    # -- boxes ---------------------------------------------------------------
    def sample_boxes(self, h: int, w: int, k: int) -> np.ndarray:
        """``k`` RandomResizedCrop boxes at once (same distribution: the
        first of ``max_attempts`` draws that fits, else a central crop)."""
        lo, hi = self.crop_ratio_range
        log_lo, log_hi = self._log_ratio
        tries = max(self.max_attempts, 1)
        u = np.random.random((2, k, tries))
        side = np.sqrt((lo + (hi - lo) * u[0]) * (h * w))
        root_ratio = np.exp(0.5 * (log_lo + (log_hi - log_lo) * u[1]))
        tw = np.rint(side * root_ratio)
        th = np.rint(side / root_ratio)
        fits = (tw <= w) & (th <= h) & (tw > 0) & (th > 0)
        first = fits.argmax(1)
        rows = np.arange(k)
        tw, th = tw[rows, first], th[rows, first]
        miss = ~fits[rows, first]
        if miss.any():  # no draw fitted: RandomResizedCrop's central crop
            _, _, ch, cw = self._central(h, w)
            tw[miss], th[miss] = cw, ch
        off = np.random.random((2, k))
        x1 = np.floor(off[0] * (w - tw + 1))
        y1 = np.floor(off[1] * (h - th + 1))
        return np.stack([x1, y1, x1 + tw, y1 + th], 1)

    def _central(self, h: int, w: int) -> Tuple[int, int, int, int]:
        ratio = w / h
        lo, hi = min(self.aspect_ratio_range), max(self.aspect_ratio_range)
        th, tw = h, w
        if ratio < lo:
            th = int(round(w / lo))
        elif ratio > hi:
            tw = int(round(h * hi))
        return (h - th) // 2, (w - tw) // 2, th, tw

    def box_mode_box(self, saliency: np.ndarray, h: int, w: int) -> np.ndarray:
        """One crop centred by a Beta draw inside the thresholded box."""
        rows, cols = saliency.shape
        ys, xs = np.nonzero(saliency >= self.box_threshold)
        bx1, bx2 = xs.min() * w / cols, (xs.max() + 1) * w / cols
        by1, by2 = ys.min() * h / rows, (ys.max() + 1) * h / rows
        x1, y1, x2, y2 = self.sample_boxes(h, w, 1)[0]
        tw, th = x2 - x1, y2 - y1
        cx = bx1 + np.random.beta(self.beta_alpha, self.beta_alpha) * (
            bx2 - bx1)
        cy = by1 + np.random.beta(self.beta_alpha, self.beta_alpha) * (
            by2 - by1)
        x1 = int(np.clip(round(cx - tw / 2), 0, w - tw))
        y1 = int(np.clip(round(cy - th / 2), 0, h - th))
        return np.array([x1, y1, x1 + tw, y1 + th])

    def box_in_region(self, region: Sequence[float]) -> np.ndarray:
        """One RandomResizedCrop box inside the pixel box ``region``."""
        x1, y1, x2, y2 = region
        left, top = math.ceil(x1), math.ceil(y1)
        rw, rh = max(int(x2) - left, 1), max(int(y2) - top, 1)
        return self.sample_boxes(rh, rw, 1)[0] + [left, top, left, top]

    def prepare(self, results: Dict[str, Any]) -> Dict[str, Any]:
        """Draw the sample's salient region (``'paired'`` mode, a valid
        map) into ``results['saliency_region']``, before its views are
        cropped; a no-op otherwise."""
        if self.mode != 'paired' or not self.guided:
            return results
        saliency = self.saliency_of(results)
        if saliency is not None:
            h, w = results['img'].shape[:2]
            results['saliency_region'] = salient_region(
                saliency, h, w, **self.region)
        return results

    def choose(
            self,
            saliency: np.ndarray,
            h: int,
            w: int,
            region: Optional[Sequence[float]] = None
    ) -> Tuple[np.ndarray, float]:
        """Pick a box for a valid map; return ``(box, score)``."""
        if not self.guided:
            box = self.sample_boxes(h, w, 1)
            return box[0], float(box_scores(saliency, box, h, w)[0])
        if self.mode == 'paired':
            if region is None:
                raise OptionError(
                    "SaliencyCrop(mode='paired') draws both views from one "
                    'region per sample: wrap the views in SaliencyMultiView '
                    '(mmpretrain\'s MultiView crops each view on its own)')
            box = self.box_in_region(region)
            return box, float(box_scores(saliency, box[None], h, w)[0])
        if self.mode == 'box':
            box = self.box_mode_box(saliency, h, w)
            return box, float(box_scores(saliency, box, h, w)[0])
        boxes, ox, oy, area = self.drawn.take(self.num_candidates, h, w,
                                              *saliency.shape)
        # mean saliency inside each box over the map's mean (box_scores)
        inside = ((oy @ saliency) * ox).sum(1)
        scores = inside / np.maximum(area * saliency.mean(), 1e-6)
        # P(pick) proportional to score ** (1 / tau), scaled to avoid overflow
        cdf = np.cumsum((scores / max(scores.max(), 1e-12))**(1 / self.tau))
        pick = min(
            int(np.searchsorted(cdf,
                                np.random.random() * cdf[-1])),
            len(boxes) - 1)
        return boxes[pick], float(scores[pick])

    # -- transform -----------------------------------------------------------
    def saliency_of(self, results: Dict[str, Any]) -> Optional[np.ndarray]:
        store = self.store
        if store is None:
            return None
        if 'sample_idx' not in results:
            raise KeyError("SaliencyCrop needs 'sample_idx' in the results "
                           '(datasets built on mmengine BaseDataset add it)')
        return store.get(results['sample_idx'])

    def transform(self, results: Dict[str, Any]) -> Dict[str, Any]:
        img = results['img']
        h, w = img.shape[:2]
        saliency = self.saliency_of(results)
        if saliency is None:
            oy, ox, th, tw = self.rand_crop_params(img)
            box, score = np.array([ox, oy, ox + tw, oy + th]), 1.0
        else:
            box, score = self.choose(saliency, h, w,
                                     results.get('saliency_region'))
        x1, y1, x2, y2 = (int(v) for v in box)
        img = mmcv.imcrop(img, bboxes=np.array([x1, y1, x2 - 1, y2 - 1]))
        img = mmcv.imresize(
            img,
            tuple(self.scale[::-1]),
            interpolation=self.interpolation,
            backend=self.backend)
        results['img'] = img
        results['img_shape'] = img.shape
        results['crop_box'] = np.array([x1, y1, x2, y2], dtype=np.float32)
        results['saliency_score'] = score
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'crop_ratio_range={self.crop_ratio_range}, '
                f'mode={self.mode!r}, num_candidates={self.num_candidates}, '
                f'tau={self.tau}, guided={self.guided})')
