"""How well saliency maps point at objects, next to two baselines.

- **Pointing game**: is the map's maximum (the centre of its best cell)
  inside a ground-truth box? Baselines: a random point (its hit rate is the
  share of the image covered by boxes) and the image centre (scenes are
  centre-biased).
  A third baseline, where given, is a map from the pixels alone (the
  ``contrast`` source): ``pointing_vs_contrast`` is the map's lead over it.
- **Energy in boxes**: the share of the map's mass inside ground-truth boxes
  (each cell counted by the share of it the boxes cover), next to the boxes'
  share of the image (``box_area_share``, what a uniform map scores).
- **Box IoU**: the IoU of the tightest box around map cells at or above
  ``threshold`` with the best-matching ground-truth box. Baseline: a centred
  box of the same area.

Images without boxes are skipped.
"""
import numpy as np


def _cell_centre(index, size, height, width):
    row, col = divmod(int(index), size)
    return (col + 0.5) * width / size, (row + 0.5) * height / size


def _inside(x, y, boxes):
    return bool(((boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y)
                 & (y <= boxes[:, 3])).any())


def _covered_share(boxes, height, width, grid=64):
    """Share of the image covered by the union of boxes (on a grid)."""
    ys = (np.arange(grid) + 0.5) * height / grid
    xs = (np.arange(grid) + 0.5) * width / grid
    covered = np.zeros((grid, grid), bool)
    for x1, y1, x2, y2 in boxes:
        covered |= ((ys[:, None] >= y1) & (ys[:, None] <= y2) &
                    (xs[None] >= x1) & (xs[None] <= x2))
    return covered.mean()


def _cell_cover(boxes, height, width, size, raster=8):
    """``(size, size)`` share of each map cell covered by the boxes."""
    side = size * raster
    ys = (np.arange(side) + 0.5) * height / side
    xs = (np.arange(side) + 0.5) * width / side
    covered = np.zeros((side, side), bool)
    for x1, y1, x2, y2 in boxes:
        covered |= (((y1 <= ys) & (ys <= y2))[:, None] & ((x1 <= xs) &
                                                          (xs <= x2))[None])
    return covered.reshape(size, raster, size, raster).mean((1, 3))


def _iou(box, boxes):
    ix1 = np.maximum(box[0], boxes[:, 0])
    iy1 = np.maximum(box[1], boxes[:, 1])
    ix2 = np.minimum(box[2], boxes[:, 2])
    iy2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


def map_box(saliency, height, width, threshold):
    """Tightest pixel box around the map cells >= ``threshold``."""
    size = saliency.shape[0]
    rows, cols = np.nonzero(saliency >= threshold)
    return np.array([
        cols.min() * width / size,
        rows.min() * height / size, (cols.max() + 1) * width / size,
        (rows.max() + 1) * height / size
    ])


def saliency_quality(maps, boxes, sizes, threshold=0.5, contrast=None):
    """Score maps against ground-truth boxes.

    Args:
        maps (Sequence[ndarray]): ``(S, S)`` maps in [0, 1], one per image.
        boxes (Sequence[ndarray]): ``(n, 4)`` x1y1x2y2 boxes per image.
        sizes (Sequence[tuple]): ``(height, width)`` per image.
        threshold (float): Map level for the IoU box. Defaults to 0.5.
        contrast (Sequence[ndarray], optional): The contrast maps of the
            same images, for ``pointing_contrast``. Defaults to None.

    Returns:
        dict: ``pointing_game``, ``pointing_random`` (expected hit rate of a
        random point), ``pointing_centre``, ``energy_in_boxes``,
        ``box_area_share``, ``box_iou``, ``box_iou_centre``, ``images``
        (the number scored) and, with ``contrast``, ``pointing_contrast``
        and ``pointing_vs_contrast``.
    """
    hits, centre_hits, random_hits, ious, centre_ious = [], [], [], [], []
    energy, contrast_hits = [], []
    contrast = [None] * len(maps) if contrast is None else contrast
    for saliency, gt, (h, w), other in zip(maps, boxes, sizes, contrast):
        gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
        if len(gt) == 0:
            continue
        saliency = np.asarray(saliency, dtype=np.float64)
        size = saliency.shape[0]
        hits.append(_inside(*_cell_centre(saliency.argmax(), size, h, w), gt))
        cover = _cell_cover(gt, h, w, size)
        energy.append((saliency * cover).sum() / max(saliency.sum(), 1e-12))
        if other is not None:
            other = np.asarray(other, dtype=np.float64)
            contrast_hits.append(
                _inside(*_cell_centre(other.argmax(), len(other), h, w), gt))
        centre_hits.append(_inside(w / 2, h / 2, gt))
        random_hits.append(_covered_share(gt, h, w))
        box = map_box(saliency, h, w, threshold)
        ious.append(_iou(box, gt).max())
        bw, bh = box[2] - box[0], box[3] - box[1]
        centred = np.array([(w - bw) / 2, (h - bh) / 2, (w + bw) / 2,
                            (h + bh) / 2])
        centre_ious.append(_iou(centred, gt).max())
    if not hits:
        raise ValueError('saliency_quality: no image with boxes to score')
    out = dict(
        pointing_game=float(np.mean(hits)),
        pointing_random=float(np.mean(random_hits)),
        pointing_centre=float(np.mean(centre_hits)),
        energy_in_boxes=float(np.mean(energy)),
        box_area_share=float(np.mean(random_hits)),
        box_iou=float(np.mean(ious)),
        box_iou_centre=float(np.mean(centre_ious)),
        images=len(hits))
    if contrast_hits:
        out['pointing_contrast'] = float(np.mean(contrast_hits))
        out['pointing_vs_contrast'] = out['pointing_game'] - float(
            np.mean(contrast_hits))
    return out


def dataset_quality(dataset, maps, valid, max_images=1000, threshold=0.5):
    """:func:`saliency_quality` of maps of a dataset's images, on up to
    ``max_images`` evenly spaced images that have a valid map, boxes
    (``gt_bboxes``) and a known size; None when there are none (e.g. an
    image folder without annotations)."""
    n = len(maps)
    step = max(1, n // max(1, max_images))
    picked = ([], [], [])
    for i in range(0, n, step):
        if not bool(valid[i]):
            continue
        info = dataset.get_data_info(i)
        boxes = info.get('gt_bboxes')
        if boxes is None or len(boxes) == 0 or not info.get('height') \
                or not info.get('width'):
            continue
        picked[0].append(np.asarray(maps[i], dtype=np.float64))
        picked[1].append(boxes)
        picked[2].append((info['height'], info['width']))
    if not picked[0]:
        return None
    return saliency_quality(*picked, threshold=threshold)


#: The scores :func:`quality_scalars` logs.
LOGGED = ('pointing_game', 'pointing_centre', 'pointing_random',
          'energy_in_boxes', 'box_iou')


def quality_scalars(dataset, store, max_images=1000):
    """:func:`dataset_quality` of a :class:`~mmsal.saliency.SaliencyStore`
    as ``saliency/<score>`` scalars; empty when the dataset has no boxes."""
    quality = dataset_quality(dataset,
                              store.maps.float().numpy(), store.valid.clone(),
                              max_images)
    return {f'saliency/{k}': quality[k] for k in LOGGED} if quality else {}


def log_saliency(runner, what, stats, store, max_images=1000):
    """Log ``stats`` and, where the training set has boxes, the quality of
    the first ``max_images`` maps of ``store`` (0: none) as ``saliency/*``
    scalars and one line: ``SaliencyHook: <what>: name value, ...``."""
    if max_images:
        stats.update(
            quality_scalars(runner.train_dataloader.dataset, store,
                            max_images))
    runner.visualizer.add_scalars(stats, step=runner.iter)
    runner.logger.info(f'SaliencyHook: {what}: ' +
                       ', '.join(f'{k.split("/")[1]} {v:.3f}'
                                 for k, v in stats.items()))
