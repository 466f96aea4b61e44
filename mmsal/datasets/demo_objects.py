"""The labelled single-object split of the demo data, for kNN and probes."""
import os.path as osp

from mmpretrain.registry import DATASETS

from .demo_data import ensure_demo_data
from .demo_scenes import CLASSES
from .labeled_images import LabeledImages
from ..errors import DataError


@DATASETS.register_module()
class DemoObjects(LabeledImages):
    """Single demo objects with class labels (an mmpretrain
    ``CustomDataset`` with the checks of :class:`LabeledImages`); generates
    the demo data on first use.

    Args:
        data_root (str): Root of the demo data (the folder holding
            ``objects/``), as for :class:`DemoScenes`.
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        demo_settings (dict, optional): Generator settings; must match the
            ones the folder was generated with. Defaults to None (defaults).
        **kwargs: Passed to ``CustomDataset`` (``pipeline``, ...).
    """

    METAINFO = dict(classes=CLASSES)

    def __init__(self, data_root, split='train', demo_settings=None,
                 **kwargs):
        if split not in ('train', 'val'):
            raise DataError(f"DemoObjects: split must be 'train' or 'val', "
                            f'got {split!r}')
        ensure_demo_data(data_root, **(demo_settings or {}))
        super().__init__(
            data_root=osp.join(data_root, 'objects'),
            ann_file=f'meta/{split}.txt',
            data_prefix=split,
            **kwargs)
