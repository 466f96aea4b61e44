"""Crops as the training would sample them, for pictures.

:func:`sample_crops` runs the training :class:`~mmsal.datasets.SaliencyCrop`
itself on a copy, with numpy's global random state swapped for one seeded
from the caller's own Generator and put back after: drawing never changes
the training's random stream.
"""
import copy

import numpy as np


class _OneMap:
    """A store holding one map, whatever index is asked for."""

    def __init__(self, saliency):
        self.saliency = saliency

    def get(self, index):
        return self.saliency


def sample_crops(crop, img, saliency, num_crops, rng):
    """Crops of ``img`` chosen by ``crop`` as in training.

    ``crop`` is not changed: a copy with a store
    holding ``saliency`` runs its transform ``num_crops`` times and its
    ``crop_box`` and ``saliency_score`` are read. numpy's global random
    state is seeded from ``rng`` for the draws and restored afterwards.

    Args:
        crop (SaliencyCrop): The training pipeline's crop (or one built
            with its settings).
        img (ndarray): The image (any channel order).
        saliency (ndarray | None): Its map; None samples as in warm-up
            (a RandomResizedCrop, score 1).
        num_crops (int): How many crops.
        rng (numpy.random.Generator): The caller's own generator.

    Returns:
        tuple: ``(boxes, scores)``, ``(K, 4)`` float32 and ``(K,)``.
    """
    local = copy.copy(crop)
    local.drawn = copy.copy(crop.drawn)
    local.drawn.reset()  # its own boxes: the training's stay untouched
    local.store = _OneMap(None if saliency is
                          None else np.asarray(saliency, np.float32))
    state = np.random.get_state()
    try:
        np.random.seed(int(rng.integers(2**32)))
        boxes, scores = [], []
        for _ in range(int(num_crops)):
            out = local(
                dict(
                    img=img,
                    sample_idx=0,
                    img_shape=img.shape[:2],
                    ori_shape=img.shape[:2]))
            boxes.append(out['crop_box'])
            scores.append(float(out['saliency_score']))
    finally:
        np.random.set_state(state)
    return (np.array(boxes,
                     np.float32).reshape(-1, 4), np.array(scores, np.float32))
