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
- ``guided=False``: a plain RandomResizedCrop whose score is still recorded
  (the "reweight only" ablation).

Without a valid map (warm-up) it is exactly RandomResizedCrop (same random
draws, same pixels) and records score 1.
"""
import math
import os
from collections import OrderedDict

import mmcv
import numpy as np
from mmpretrain.datasets.transforms import RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

from ...errors import OptionError

MODES = ('candidates', 'box')


def box_scores(saliency, boxes, height, width, eps=1e-6):
    """Mean saliency inside each box over the map's mean.

    Args:
        saliency (ndarray): ``(S, S)`` map covering the whole image.
        boxes (ndarray): ``(K, 4)`` boxes ``x1, y1, x2, y2`` in pixels
            (``x2``, ``y2`` exclusive).
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        ndarray: ``(K,)`` scores; 1 for a uniform map.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    ox, oy, area = cell_overlaps(boxes, height, width, *saliency.shape)
    inside = ((oy @ saliency) * ox).sum(1)
    return inside / np.maximum(area * saliency.mean(), eps)


def cell_overlaps(boxes, height, width, rows, cols):
    """How much of each map cell each box covers, in cells.

    Returns:
        tuple: ``(ox, oy, area)``: ``(K, cols)`` column overlaps, ``(K,
        rows)`` row overlaps and ``(K,)`` box areas, all in cell units.
    """
    x = boxes[:, 0::2] * (cols / width)  # (K, 2): x1, x2 in cells
    y = boxes[:, 1::2] * (rows / height)
    gx, gy = np.arange(cols), np.arange(rows)
    ox = (np.minimum(x[:, 1:], gx + 1) - np.maximum(x[:, :1], gx)).clip(0)
    oy = (np.minimum(y[:, 1:], gy + 1) - np.maximum(y[:, :1], gy)).clip(0)
    return ox, oy, (x[:, 1] - x[:, 0]) * (y[:, 1] - y[:, 0])


class DrawnAhead:
    """Fresh candidate boxes, drawn in blocks per image size and map grid,
    each handed out once (a bank that is reused would narrow the crops).

    Args:
        sample_boxes (callable): ``sample_boxes(h, w, n)`` returns ``(n,
            4)`` pixel boxes drawn like RandomResizedCrop.
        block (int): Boxes drawn at once. Defaults to 512.
        max_sizes (int): Image sizes with boxes kept (least recently used
            dropped). Defaults to 32.
    """

    def __init__(self, sample_boxes, block=512, max_sizes=32):
        self.sample_boxes = sample_boxes
        self.block = block
        self.max_sizes = max_sizes
        self.reset()

    def reset(self):
        self._pid = os.getpid()
        self._blocks = OrderedDict()

    def take(self, k, h, w, rows, cols):
        """``k`` unused boxes for an ``h`` x ``w`` image and a ``rows`` x
        ``cols`` map: ``(boxes, ox, oy, area)`` as in
        :func:`cell_overlaps`."""
        if os.getpid() != self._pid:  # a forked worker: never share draws
            self.reset()
        key = (h, w, rows, cols)
        entry = self._blocks.pop(key, None)
        if entry is None or entry[0] + k > len(entry[1]):
            boxes = self.sample_boxes(h, w, max(self.block, k))
            entry = [0, boxes, *cell_overlaps(boxes, h, w, rows, cols)]
        self._blocks[key] = entry
        if len(self._blocks) > self.max_sizes:
            self._blocks.popitem(last=False)
        start = entry[0]
        entry[0] += k
        return tuple(a[start:start + k] for a in entry[1:])


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
        guided (bool): Choose crops by saliency; False only records scores.
            Defaults to True.
        **kwargs: ``max_attempts``, ``interpolation``, ``backend`` as in
            RandomResizedCrop.
    """

    def __init__(self,
                 scale,
                 crop_ratio_range=(0.08, 1.0),
                 aspect_ratio_range=(3. / 4., 4. / 3.),
                 mode='candidates',
                 num_candidates=32,
                 tau=0.5,
                 box_threshold=0.3,
                 beta_alpha=0.6,
                 guided=True,
                 **kwargs):
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
        if not beta_alpha > 0:
            raise OptionError('SaliencyCrop: beta_alpha must be > 0, got '
                              f'{beta_alpha}')
        self.mode = mode
        self.num_candidates = int(num_candidates)
        self.tau = float(tau)
        self.box_threshold = float(box_threshold)
        self.beta_alpha = float(beta_alpha)
        self.guided = guided
        # the SaliencyStore, attached by SaliencyHook before workers start
        self.store = None
        self._log_ratio = (math.log(self.aspect_ratio_range[0]),
                           math.log(self.aspect_ratio_range[1]))
        self.drawn = DrawnAhead(self.sample_boxes)

    # -- boxes ---------------------------------------------------------------
    def sample_boxes(self, h, w, k):
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

    def _central(self, h, w):
        ratio = w / h
        lo, hi = min(self.aspect_ratio_range), max(self.aspect_ratio_range)
        th, tw = h, w
        if ratio < lo:
            th = int(round(w / lo))
        elif ratio > hi:
            tw = int(round(h * hi))
        return (h - th) // 2, (w - tw) // 2, th, tw

    def box_mode_box(self, saliency, h, w):
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

    def choose(self, saliency, h, w):
        """Pick a box for a valid map; return ``(box, score)``."""
        if not self.guided:
            box = self.sample_boxes(h, w, 1)
            return box[0], float(box_scores(saliency, box, h, w)[0])
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
    def saliency_of(self, results):
        store = self.store
        if store is None:
            return None
        if 'sample_idx' not in results:
            raise KeyError("SaliencyCrop needs 'sample_idx' in the results "
                           '(datasets built on mmengine BaseDataset add it)')
        return store.get(results['sample_idx'])

    def transform(self, results):
        img = results['img']
        h, w = img.shape[:2]
        saliency = self.saliency_of(results)
        if saliency is None:
            oy, ox, th, tw = self.rand_crop_params(img)
            box, score = np.array([ox, oy, ox + tw, oy + th]), 1.0
        else:
            box, score = self.choose(saliency, h, w)
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

    def __repr__(self):
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'crop_ratio_range={self.crop_ratio_range}, '
                f'mode={self.mode!r}, num_candidates={self.num_candidates}, '
                f'tau={self.tau}, guided={self.guided})')
