"""What two crops of one scene hold, measured against ground-truth boxes.

A positive pair helps contrastive learning when both views show the same
object. For one pair of crop boxes and an image's object boxes (all
``x1, y1, x2, y2`` in pixels):

- ``object_coverage``: share of a view's area covered by objects (their
  union), averaged over the two views;
- ``holds_object``: share of views that hold at least half of some object
  (the object's box inside the crop by at least half its area);
- ``shared_object``: both views hold at least half of the same object;
- ``same_dominant_object``: the object covering most of each view is the
  same object in both views (a view that covers no object has none, and
  never matches).

Objects are their boxes, so a partly hidden object counts with its box.
Images without boxes are not measured. The means over many pairs are what
``tools/eval_saliency.py`` reports (``crops.random``, ``crops.guided``,
``crops.paired``) and :class:`~mmsal.engine.CropStatsHook` logs per epoch.
"""
from __future__ import annotations
from typing import (TYPE_CHECKING, Any, Dict, Iterable, List, Mapping,
                    Optional, Sequence, Tuple)

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from ..datasets.transforms import SaliencyCrop

MEASURES = ('object_coverage', 'holds_object', 'shared_object',
            'same_dominant_object')


def _intersections(view: np.ndarray, objects: np.ndarray) -> np.ndarray:
    """``(n,)`` intersection areas of one view box with object boxes."""
    w = np.minimum(view[2], objects[:, 2]) - np.maximum(view[0], objects[:, 0])
    h = np.minimum(view[3], objects[:, 3]) - np.maximum(view[1], objects[:, 1])
    return w.clip(0) * h.clip(0)


def covered_share(view: ArrayLike,
                  objects: np.ndarray,
                  grid: int = 32) -> float:
    """Share of ``view``'s area covered by the union of ``objects``
    (sampled on a ``grid`` x ``grid`` lattice of points inside the view)."""
    x1, y1, x2, y2 = (float(v) for v in np.asarray(view).reshape(4))
    if x2 <= x1 or y2 <= y1 or not len(objects):
        return 0.0
    xs = x1 + (np.arange(grid) + 0.5) * (x2 - x1) / grid
    ys = y1 + (np.arange(grid) + 0.5) * (y2 - y1) / grid
    inside_x = (objects[:, None, 0] <= xs) & (xs < objects[:, None, 2])
    inside_y = (objects[:, None, 1] <= ys) & (ys < objects[:, None, 3])
    covered = (inside_y[:, :, None] & inside_x[:, None, :]).any(0)
    return float(covered.mean())


def view_objects(view: np.ndarray,
                 objects: np.ndarray) -> Tuple[np.ndarray, int]:
    """``(held, dominant)``: a bool per object (at least half of it inside
    ``view``) and the index of the object covering most of the view (-1
    when the view covers none)."""
    inter = _intersections(view, objects)
    areas = ((objects[:, 2] - objects[:, 0]) *
             (objects[:, 3] - objects[:, 1])).clip(1e-9)
    held = inter >= 0.5 * areas
    dominant = int(inter.argmax()) if inter.max() > 0 else -1
    return held, dominant


def pair_measures(view_a: ArrayLike, view_b: ArrayLike,
                  objects: ArrayLike) -> Optional[Dict[str, float]]:
    """The four measures of one pair of views (see the module docstring);
    None when the image has no object boxes."""
    boxes = np.asarray(objects, dtype=np.float64).reshape(-1, 4)
    if not len(boxes):
        return None
    a = np.asarray(view_a, dtype=np.float64)
    b = np.asarray(view_b, dtype=np.float64)
    held_a, dom_a = view_objects(a, boxes)
    held_b, dom_b = view_objects(b, boxes)
    return dict(
        object_coverage=(covered_share(a, boxes) + covered_share(b, boxes)) /
        2,
        holds_object=(float(held_a.any()) + float(held_b.any())) / 2,
        shared_object=float((held_a & held_b).any()),
        same_dominant_object=float(dom_a >= 0 and dom_a == dom_b))


def mean_measures(
    measured: Iterable[Optional[Mapping[str, float]]]
) -> Optional[Dict[str, float]]:
    """Means of :func:`pair_measures` results (None entries skipped), with
    ``pairs``, the number measured; None when there are none."""
    done = [m for m in measured if m is not None]
    if not done:
        return None
    out = {k: float(np.mean([m[k] for m in done])) for k in MEASURES}
    out['pairs'] = len(done)
    return out


def draw_pair(crop: SaliencyCrop, saliency: np.ndarray, height: int,
              width: int) -> List[np.ndarray]:
    """Two view boxes of one image drawn by a ``SaliencyCrop`` with the map
    ``saliency`` (``'paired'``: both inside one salient region)."""
    from ..datasets.transforms.crop_boxes import salient_region
    region = None
    if crop.mode == 'paired' and crop.guided:
        region = salient_region(saliency, height, width, **crop.region)
    return [crop.choose(saliency, height, width, region)[0] for _ in (0, 1)]


def crop_modes(crop_cfg: Mapping[str, Any]) -> Dict[str, SaliencyCrop]:
    """The three ``SaliencyCrop`` s compared by :func:`measure_crop_modes`,
    built from one crop config: ``random`` (RandomResizedCrop's boxes),
    ``guided`` (the config's mode, each view on its own; ``'candidates'``
    if the config pairs) and ``paired``."""
    from ..datasets.transforms import SaliencyCrop
    cfg = {k: v for k, v in dict(crop_cfg).items() if k != 'type'}
    own = cfg.get('mode', 'candidates')
    return dict(
        random=SaliencyCrop(**dict(cfg, guided=False)),
        guided=SaliencyCrop(
            **dict(cfg, mode='candidates' if own == 'paired' else own)),
        paired=SaliencyCrop(**dict(cfg, mode='paired')))


def measure_crop_modes(crop_cfg: Mapping[str, Any],
                       maps: Sequence[np.ndarray],
                       boxes: Sequence[ArrayLike],
                       sizes: Sequence[Tuple[int, int]],
                       pairs: int = 1000,
                       seed: int = 0) -> Dict[str, Optional[Dict[str, float]]]:
    """:func:`mean_measures` of ``pairs`` pairs per crop mode.

    Args:
        crop_cfg (dict): A ``SaliencyCrop`` config (scale, ratios, options).
        maps (Sequence[ndarray]): One ``(S, S)`` map per image.
        boxes (Sequence[ndarray]): Object boxes per image.
        sizes (Sequence[tuple]): ``(height, width)`` per image.
        pairs (int): Pairs drawn per mode, cycling over the images.
            Defaults to 1000.
        seed (int): Seed of numpy's generator (restored after). Defaults
            to 0.

    Returns:
        dict: ``{mode: measures}`` for ``random``, ``guided``, ``paired``.
    """
    state = np.random.get_state()
    out: Dict[str, Optional[Dict[str, float]]] = {}
    try:
        for name, crop in crop_modes(crop_cfg).items():
            np.random.seed(seed)
            measured = []
            for p in range(pairs):
                i = p % len(maps)
                saliency = np.asarray(maps[i], dtype=np.float64)
                views = draw_pair(crop, saliency, *sizes[i])
                measured.append(pair_measures(views[0], views[1], boxes[i]))
            out[name] = mean_measures(measured)
    finally:
        np.random.set_state(state)
    return out
