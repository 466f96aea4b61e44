"""Labelled image lists that say what is wrong before training starts.

mmpretrain's ``CustomDataset`` / ``ImageNet`` read a label list
(``ann_file``) or a class-per-folder tree without looking at the files: a
list naming images that are not there fails minutes later, inside a
dataloader worker, on the first missing file; an empty split (an empty list,
a wrong ``data_prefix``, ``indices=0``) fails with a division by zero or an
empty-sampler error. :class:`LabeledImages` and :class:`LabeledImageNet` are
those datasets plus two checks at build time, each a one-line
:class:`~mmsal.errors.DataError` naming the list or folder:

- the split holds at least one image (after ``indices``);
- every listed local image exists (one directory listing per folder, so a
  128k-image list is checked in about a second).
"""
import os
import os.path as osp

from mmpretrain.datasets import CustomDataset, ImageNet
from mmpretrain.registry import DATASETS

from ..errors import DataError


class _ChecksFiles:
    """Mixin for an mmpretrain dataset with ``ann_file`` / ``data_prefix``;
    set ``check_files=False`` to skip the existence check (e.g. for
    object-store paths, which are never checked)."""

    def _source(self):
        ann_file = getattr(self, 'ann_file', '')
        if ann_file:
            return ann_file
        return self.data_prefix.get('img_path') or self.data_root

    def _refuse_empty(self, data_list, where=''):
        if not data_list:
            raise DataError(
                f'{type(self).__name__}: {self._source()} gives an empty '
                f'split (no images{where}); check ann_file, data_prefix and '
                'indices')
        return data_list

    def filter_data(self):
        return self._refuse_empty(super().filter_data())

    def _get_unserialized_subset(self, indices):
        return self._refuse_empty(super()._get_unserialized_subset(indices),
                                  ' after indices')

    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        if self._check_files:
            self._check_exist()

    def _check_exist(self):
        listings, missing = {}, []
        for i in range(len(self)):
            path = self.get_data_info(i)['img_path']
            if '://' in path:
                return  # remote backend: not listed here
            folder, name = osp.split(path)
            if folder not in listings:
                listings[folder] = (
                    set(os.listdir(folder)) if osp.isdir(folder) else set())
            if name not in listings[folder]:
                missing.append(path)
        if missing:
            raise DataError(
                f'{self._source()} names {len(missing)} image(s) that do not '
                f'exist, e.g. {missing[0]}')


@DATASETS.register_module()
class LabeledImages(_ChecksFiles, CustomDataset):
    """mmpretrain ``CustomDataset`` that refuses an empty split and a label
    list naming missing images.

    Args:
        check_files (bool): Check that every listed image exists. Defaults
            to True.
        **kwargs: Passed to ``CustomDataset`` (``data_root``, ``ann_file``,
            ``data_prefix``, ``indices``, ``pipeline``, ...).
    """

    def __init__(self, check_files=True, **kwargs):
        self._check_files = check_files
        super().__init__(**kwargs)


@DATASETS.register_module()
class LabeledImageNet(_ChecksFiles, ImageNet):
    """mmpretrain ``ImageNet`` with the checks of :class:`LabeledImages`
    (for the semi-supervised label subsets).

    Args:
        check_files (bool): Check that every listed image exists. Defaults
            to True.
        **kwargs: Passed to ``ImageNet``.
    """

    def __init__(self, check_files=True, **kwargs):
        self._check_files = check_files
        super().__init__(**kwargs)
