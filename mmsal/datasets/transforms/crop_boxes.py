"""Box geometry for :class:`~mmsal.datasets.transforms.SaliencyCrop`.

A saliency map is a small ``S x S`` grid covering the whole image. These
helpers score pixel boxes on it exactly (:func:`box_scores`), hand out fresh
candidate boxes (:class:`DrawnAhead`) and find the salient region that both
views of a pair are drawn from in ``mode='paired'`` (:func:`salient_region`).
All boxes are ``x1, y1, x2, y2`` in pixels, ``x2`` and ``y2`` exclusive.
"""
import os
from collections import OrderedDict

import numpy as np

from ..sample_seeds import SEEDINGS


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


def box_scores(saliency, boxes, height, width, eps=1e-6):
    """Mean saliency inside each box over the map's mean.

    Args:
        saliency (ndarray): ``(S, S)`` map covering the whole image.
        boxes (ndarray): ``(K, 4)`` pixel boxes.
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        ndarray: ``(K,)`` scores; 1 for a uniform map.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    ox, oy, area = cell_overlaps(boxes, height, width, *saliency.shape)
    inside = ((oy @ saliency) * ox).sum(1)
    return inside / np.maximum(area * saliency.mean(), eps)


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
        self._seeding = SEEDINGS[0]
        self._blocks = OrderedDict()

    def take(self, k, h, w, rows, cols):
        """``k`` unused boxes for an ``h`` x ``w`` image and a ``rows`` x
        ``cols`` map: ``(boxes, ox, oy, area)`` as in
        :func:`cell_overlaps`."""
        if os.getpid() != self._pid or SEEDINGS[0] != self._seeding:
            # a forked worker never shares draws; a sample seeded on its
            # own (SampleSeeds) draws its own
            self.reset()
        key = (h, w, rows, cols)
        entry = self._blocks.pop(key, None)
        if entry is None or entry[0] + k > len(entry[1]):
            # per-sample seeds: nothing outlives the sample, draw what it uses
            boxes = self.sample_boxes(h, w,
                                      k if SEEDINGS[0] else max(self.block, k))
            entry = [0, boxes, *cell_overlaps(boxes, h, w, rows, cols)]
        self._blocks[key] = entry
        if len(self._blocks) > self.max_sizes:
            self._blocks.popitem(last=False)
        start = entry[0]
        entry[0] += k
        return tuple(a[start:start + k] for a in entry[1:])


def _component(mask, row, col):
    """Cells of ``mask`` 4-connected to ``(row, col)``: ``(rows, cols)``."""
    seen = np.zeros_like(mask)
    seen[row, col] = True
    todo = [(row, col)]
    while todo:
        r, c = todo.pop()
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if (0 <= rr < mask.shape[0] and 0 <= cc < mask.shape[1]
                    and mask[rr, cc] and not seen[rr, cc]):
                seen[rr, cc] = True
                todo.append((rr, cc))
    return np.nonzero(seen)


def _fit(lo, hi, peak, min_len, max_len, limit):
    """``[lo, hi)`` widened about its centre to ``min_len``, or cut to
    ``max_len`` about ``peak`` (kept inside the interval), and kept in
    ``[0, limit]``."""
    if hi - lo < min_len:
        mid = (lo + hi) / 2
        lo, hi = mid - min_len / 2, mid + min_len / 2
    elif hi - lo > max_len:
        start = min(max(peak - max_len / 2, lo), hi - max_len)
        lo, hi = start, start + max_len
    shift = max(0.0, -lo) - max(0.0, hi - limit)
    return max(0.0, lo + shift), min(float(limit), hi + shift)


def salient_region(saliency,
                   height,
                   width,
                   tau=0.5,
                   level=0.5,
                   dilate=0.2,
                   min_side=0.3,
                   max_side=0.5):
    """One salient region of an image, drawn at random from its map.

    A peak cell is drawn with probability proportional to ``saliency ** (1
    / tau)``; the region is the box around the cells 4-connected to it
    whose value is at least ``level`` times the peak's, dilated by
    ``dilate`` of its size (half on each side), widened about its centre to
    at least ``min_side`` of the image's width and height or cut about the
    peak to at most ``max_side`` (saliency does not tell touching objects
    apart, so a large component is often several), and kept inside the
    image.

    Returns:
        ndarray: ``(4,)`` float pixel box ``x1, y1, x2, y2``.
    """
    rows, cols = saliency.shape
    weights = np.clip(saliency, 0, None).astype(np.float64).ravel()
    weights = (weights / max(weights.max(), 1e-12))**(1 / tau)
    cdf = np.cumsum(weights)
    pick = min(
        int(np.searchsorted(cdf,
                            np.random.random() * cdf[-1])),
        len(weights) - 1)
    row, col = divmod(pick, cols)
    ys, xs = _component(saliency >= level * saliency[row, col], row, col)
    x1, x2 = xs.min() * width / cols, (xs.max() + 1) * width / cols
    y1, y2 = ys.min() * height / rows, (ys.max() + 1) * height / rows
    dx, dy = (x2 - x1) * dilate / 2, (y2 - y1) * dilate / 2
    px, py = (col + 0.5) * width / cols, (row + 0.5) * height / rows
    x1, x2 = _fit(x1 - dx, x2 + dx, px, min_side * width, max_side * width,
                  width)
    y1, y2 = _fit(y1 - dy, y2 + dy, py, min_side * height, max_side * height,
                  height)
    return np.array([x1, y1, x2, y2])
