"""The labelled single-object split of the demo data, for kNN and probes."""
import os.path as osp

from mmpretrain.registry import DATASETS

from ..errors import DataError
from .demo_data import ensure_demo_data
from .demo_scenes import CLASSES, SHAPES, TEXTURES
from .labeled_images import LabeledImages

# label -> (the part of a class name 'shape_pattern' it keeps, its names)
_FACTORS = dict(shape=(0, SHAPES), pattern=(1, TEXTURES))


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
        label (str): What an object is labelled by: ``'class'`` (the 10
            shape x pattern classes), ``'shape'`` (5) or ``'pattern'``
            (stripes / checker). The factor labels show which part of a
            class a representation has learned (docs/results_history.md).
            Defaults to ``'class'``.
        **kwargs: Passed to ``CustomDataset`` (``pipeline``, ...).
    """

    METAINFO = dict(classes=CLASSES)

    def __init__(self,
                 data_root,
                 split='train',
                 demo_settings=None,
                 label='class',
                 **kwargs):
        if split not in ('train', 'val'):
            raise DataError(f"DemoObjects: split must be 'train' or 'val', "
                            f'got {split!r}')
        if label != 'class' and label not in _FACTORS:
            raise DataError(f"DemoObjects: label must be 'class', 'shape' or "
                            f"'pattern', got {label!r}")
        self.label = label
        if label != 'class':
            kwargs['metainfo'] = dict(classes=_FACTORS[label][1])
        ensure_demo_data(data_root, **(demo_settings or {}))
        super().__init__(
            data_root=osp.join(data_root, 'objects'),
            ann_file=f'meta/{split}.txt',
            data_prefix=split,
            **kwargs)

    def load_data_list(self):
        """The annotation file's samples, relabelled by ``label``."""
        data_list = super().load_data_list()
        if self.label != 'class':
            part, names = _FACTORS[self.label]
            for info in data_list:
                factor = CLASSES[int(info['gt_label'])].split('_')[part]
                info['gt_label'] = names.index(factor)
        return data_list
