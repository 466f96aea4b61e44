"""Unlabelled scene images from COCO (or any COCO-format / image-folder set).

``CocoScenes`` lists images for self-supervised pretraining. Give it COCO
annotation files (``instances_train2017.json``,
``image_info_unlabeled2017.json``, or both for COCO+) and the image folders
they refer to, or only image folders. Instance boxes, where an annotation file
has them, are kept as optional metadata (``gt_bboxes`` in x1y1x2y2 pixels,
``gt_labels`` as contiguous class indices) for evaluating saliency; training
never reads them.
"""
from __future__ import annotations
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.fileio import get_file_backend, get_local_path
from mmpretrain.registry import DATASETS

from ..errors import DataError
from ..progress import Progress
from .demo_data import ensure_demo_data, preset_settings
from .sample_seeds import SampleSeeds

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def _as_list(value: Union[str, Sequence[str]]) -> List[str]:
    return [value] if isinstance(value, str) else list(value)


@DATASETS.register_module()
class CocoScenes(BaseDataset):
    """COCO-style scene images for unlabelled pretraining.

    Args:
        data_root (str): Root that relative paths are joined to.
        img_dir (str | list[str]): Image folder(s), one per ``ann_file``.
            Defaults to ``'train2017'``.
        ann_file (str | list[str]): COCO annotation file(s); ``''`` lists
            every image under ``img_dir`` instead (recursively, sorted).
            Defaults to ``'annotations/instances_train2017.json'``.
        check_files (bool): Check before training that every listed image
            exists, with one listing per folder. Defaults to True.
        backend_args (dict, optional): mmengine file backend arguments, used
            to read annotation files and list folders. Defaults to None.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``serialize_data``, ``test_mode``, ...).
    """

    METAINFO = dict(classes=())

    def __init__(self,
                 data_root: str,
                 img_dir: Union[str, Sequence[str]] = 'train2017',
                 ann_file: Optional[Union[
                     str,
                     Sequence[str]]] = 'annotations/instances_train2017.json',
                 check_files: bool = True,
                 backend_args: Optional[dict] = None,
                 **kwargs: Any) -> None:
        self.img_dirs = _as_list(img_dir)
        self.ann_files = _as_list(ann_file) if ann_file else []
        if self.ann_files and len(self.ann_files) != len(self.img_dirs):
            raise DataError(
                f'CocoScenes: {len(self.ann_files)} ann_file(s) but '
                f'{len(self.img_dirs)} img_dir(s); give one folder per file')
        self.check_files = check_files
        self.backend_args = backend_args
        # per-sample random streams, switched on by ExactResumeHook
        self.sample_seeds = SampleSeeds()
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def prepare_data(self, idx: int) -> Any:
        """The sample through the pipeline, its random draws seeded from
        ``(seed, epoch, idx)`` while :attr:`sample_seeds` is on."""
        with self.sample_seeds.seeded(idx):
            return super().prepare_data(idx)

    def _path(self, rel):
        return rel if osp.isabs(rel) or '://' in rel else osp.join(
            self.data_root, rel)

    def load_data_list(self) -> List[Dict[str, Any]]:
        root = self.data_root
        backend = get_file_backend(root or '.', backend_args=self.backend_args)
        if not backend.exists(root):
            raise DataError(f'CocoScenes: data root not found: {root}')
        data_list: List[Dict[str, Any]] = []
        classes: List[str] = []
        if self.ann_files:
            for ann, img_dir in zip(self.ann_files, self.img_dirs):
                items, classes = self._load_coco(
                    self._path(ann), self._path(img_dir), classes)
                data_list += items
        else:
            for img_dir in self.img_dirs:
                data_list += self._scan_folder(self._path(img_dir))
        self._metainfo['classes'] = tuple(classes)
        return data_list

    def _read_json(self, ann_file):
        try:
            with get_local_path(ann_file, backend_args=self.backend_args) as p:
                with open(p) as f:
                    return json.load(f)
        except FileNotFoundError:
            raise DataError(
                f'CocoScenes: annotation file not found: {ann_file}') from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataError(f'CocoScenes: {ann_file} is not valid JSON '
                            f'({type(e).__name__}: {e})') from None

    def _load_coco(self, ann_file, img_dir, classes):
        coco = self._read_json(ann_file)
        if not (isinstance(coco, dict)
                and isinstance(coco.get('images'), list) and all(
                    isinstance(im, dict) and 'file_name' in im and 'id' in im
                    for im in coco['images'])):
            raise DataError(f'CocoScenes: {ann_file} is not a COCO annotation '
                            "file (needs an 'images' list with 'id' and "
                            "'file_name')")
        if not coco['images']:
            raise DataError(f'CocoScenes: {ann_file} lists no images')
        # One class list over all files, in order of first appearance.
        cat_names = {c['id']: c['name'] for c in coco.get('categories', [])}
        for name in cat_names.values():
            if name not in classes:
                classes = classes + [name]
        boxes = {}
        for a in coco.get('annotations', []):
            if a.get('iscrowd', 0) or 'bbox' not in a:
                continue
            x, y, w, h = a['bbox']
            if w <= 0 or h <= 0:
                continue
            label = classes.index(cat_names[a['category_id']])
            boxes.setdefault(a['image_id'], []).append(
                (x, y, x + w, y + h, label))
        names = [im['file_name'] for im in coco['images']]
        if self.check_files:
            self._check_exist(img_dir, names, ann_file)
        items = []
        for im in coco['images']:
            b = np.array(
                boxes.get(im['id'], []), dtype=np.float32).reshape(-1, 5)
            items.append(
                dict(
                    img_path=osp.join(img_dir, im['file_name']),
                    img_id=im['id'],
                    width=im.get('width'),
                    height=im.get('height'),
                    gt_bboxes=b[:, :4],
                    gt_labels=b[:, 4].astype(np.int64)))
        return items, classes

    def _list_images(self, img_dir):
        backend = get_file_backend(img_dir, backend_args=self.backend_args)
        if not backend.isdir(img_dir):
            raise DataError(f'CocoScenes: image folder not found: {img_dir}')
        return sorted(
            backend.list_dir_or_file(img_dir, list_dir=False, recursive=True))

    def _check_exist(self, img_dir, names, ann_file):
        present = set(self._list_images(img_dir))
        bar = Progress(len(names), enabled=len(names) >= 20000)
        missing = []
        for name in names:
            if name not in present:
                missing.append(name)
            bar.update()
        if missing:
            raise DataError(
                f'CocoScenes: {len(missing)} image(s) listed in {ann_file} '
                f'are missing under {img_dir}, first: '
                f'{osp.join(img_dir, missing[0])}')

    def _scan_folder(self, img_dir):
        names = [
            n for n in self._list_images(img_dir)
            if osp.splitext(n)[1].lower() in IMG_EXTENSIONS
        ]
        if not names:
            raise DataError(
                f'CocoScenes: no images ({", ".join(IMG_EXTENSIONS)}'
                f') found under {img_dir}')
        empty = np.zeros((0, 4), dtype=np.float32)
        return [
            dict(
                img_path=osp.join(img_dir, n),
                img_id=i,
                width=None,
                height=None,
                gt_bboxes=empty,
                gt_labels=np.zeros(0, dtype=np.int64))
            for i, n in enumerate(names)
        ]


@DATASETS.register_module()
class DemoScenes(CocoScenes):
    """The generated demo scenes (:mod:`mmsal.datasets.demo_scenes`) as a
    :class:`CocoScenes`; generates them on first use.

    Args:
        data_root (str): Where the demo data lives or is generated.
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        demo_settings (dict | str, optional): Generator settings (see
            :func:`mmsal.datasets.make_demo_data`) or a preset name
            (``'v5'``, ``'v6'``); the folder must have been generated with
            the same ones. Defaults to None (demo-v5).
        **kwargs: Passed to :class:`CocoScenes`.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 demo_settings: Union[None, str, Dict[str, Any]] = None,
                 **kwargs: Any) -> None:
        if split not in ('train', 'val'):
            raise DataError(f"DemoScenes: split must be 'train' or 'val', "
                            f'got {split!r}')
        ensure_demo_data(data_root, **preset_settings(demo_settings))
        super().__init__(
            data_root=data_root,
            img_dir=f'{split}2017',
            ann_file=f'annotations/instances_{split}2017.json',
            **kwargs)
