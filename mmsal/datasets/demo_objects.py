"""The labelled single-object split of the demo data, for kNN and probes."""
import os.path as osp

from mmpretrain.registry import DATASETS

from ..errors import DataError
from .demo_data import ensure_demo_data, preset_settings
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
        demo_settings (dict | str, optional): Generator settings or a
            preset name (``'v5'``, ``'v6'``), as for :class:`DemoScenes`;
            must match the ones the folder was generated with. Defaults to
            None (demo-v5).
        label (str): What an object is labelled by: ``'class'`` (the 10
            shape x pattern classes), ``'shape'`` (5) or ``'pattern'``
            (stripes / checker). The factor labels show which part of a
            class a representation has learned (docs/results_history.md).
            Defaults to ``'class'``.
        part (str, optional): ``'fit'`` keeps the first four fifths of
            each class, ``'holdout'`` the last fifth, so a probe's settings
            can be chosen on the training split without touching ``'val'``.
            Defaults to None (all).
        **kwargs: Passed to ``CustomDataset`` (``pipeline``, ...).
    """

    METAINFO = dict(classes=CLASSES)

    def __init__(self,
                 data_root,
                 split='train',
                 demo_settings=None,
                 label='class',
                 part=None,
                 **kwargs):
        if split not in ('train', 'val'):
            raise DataError(f"DemoObjects: split must be 'train' or 'val', "
                            f'got {split!r}')
        if label != 'class' and label not in _FACTORS:
            raise DataError(f"DemoObjects: label must be 'class', 'shape' or "
                            f"'pattern', got {label!r}")
        if part not in (None, 'fit', 'holdout'):
            raise DataError(f"DemoObjects: part must be None, 'fit' or "
                            f"'holdout', got {part!r}")
        self.label, self.part = label, part
        if label != 'class':
            kwargs['metainfo'] = dict(classes=_FACTORS[label][1])
        ensure_demo_data(data_root, **preset_settings(demo_settings))
        super().__init__(
            data_root=osp.join(data_root, 'objects'),
            ann_file=f'meta/{split}.txt',
            data_prefix=split,
            **kwargs)

    def load_data_list(self):
        """The annotation file's samples, relabelled by ``label``."""
        data_list = super().load_data_list()
        if self.part is not None:
            data_list = self._split_part(data_list)
        if self.label != 'class':
            part, names = _FACTORS[self.label]
            for info in data_list:
                factor = CLASSES[int(info['gt_label'])].split('_')[part]
                info['gt_label'] = names.index(factor)
        return data_list

    def _split_part(self, data_list):
        """The ``part`` of every class, in file order within a class."""
        by_class = {}
        for info in data_list:
            by_class.setdefault(int(info['gt_label']), []).append(info)
        keep = []
        for items in by_class.values():
            cut = len(items) - len(items) // 5
            keep += items[:cut] if self.part == 'fit' else items[cut:]
        order = {id(info): i for i, info in enumerate(data_list)}
        return sorted(keep, key=lambda info: order[id(info)])
