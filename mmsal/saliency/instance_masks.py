"""Instance masks of a COCO-format dataset, for the oracle saliency maps.

:func:`instance_masks` reads the annotation files of a
:class:`~mmsal.datasets.CocoScenes` (or DemoScenes) through pycocotools and
returns, per image id, a function drawing the union of its objects' masks.
Annotation files without ``segmentation`` give no masks (the oracle then
uses the boxes).
"""
import numpy as np

from ..errors import OptionError


def _has_segmentation(path):
    with open(path) as f:
        return '"segmentation"' in f.read()


def instance_masks(dataset):
    """``{img_id: () -> (H, W) bool mask}`` for the images whose annotation
    file has instance masks, or None when none has."""
    files = [dataset._path(f) for f in getattr(dataset, 'ann_files', [])]
    files = [f for f in files if _has_segmentation(f)]
    if not files:
        return None
    try:
        from pycocotools.coco import COCO
    except ImportError:
        raise OptionError(
            'oracle saliency: the annotation files have instance masks, '
            'which need pycocotools (pip install pycocotools); or use the '
            'boxes: source_cfg=dict(masks=False)') from None
    out = {}
    for path in files:
        coco = COCO(path)
        for img_id in coco.getImgIds():
            anns = [
                a for a in coco.loadAnns(coco.getAnnIds(imgIds=img_id))
                if a.get('segmentation') and not a.get('iscrowd', 0)
            ]
            if anns:
                out[img_id] = (lambda c=coco, a=anns: np.logical_or.reduce(
                    [c.annToMask(x).astype(bool) for x in a]))
    return out
