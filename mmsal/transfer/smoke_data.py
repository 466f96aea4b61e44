"""Tiny transfer data in the benchmarks' own layouts, from the demo-v6
scenes: VOC07+12 detection and VOC12 segmentation (``VOCdevkit``), COCO
instances (``coco``) and Cityscapes (``cityscapes``), so that the four
transfer configs train inside mmdet / mmseg without the real data sets
(``tools/make_transfer_data.py``; docs/transfer.md, "Smoke check").

The demo's 10 classes stand for the first 10 classes of each benchmark
(VOC: aeroplane ... cow; Cityscapes train ids 1-10, the scene's background
is train id 0, road); every object has its visible-pixel mask. The
numbers mean nothing: the data only have to be read, trained on and
scored by the configs' own pipelines and evaluators.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from ..datasets.demo_scenes_v6 import mask_to_rle, render_scene_v6
from ..errors import UsageError

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')
COCO_NAMES = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus',
              'train', 'truck', 'boat', 'traffic light')
COCO_IDS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)  # COCO's own category ids
LAYOUTS = ('VOCdevkit', 'coco', 'cityscapes')
SEED = 7  # the scenes' data seed (not a protocol's)


def scenes(split, num, size):
    """``[(name, image array, [(class, bbox xywh, mask), ...]), ...]``."""
    out = []
    for i in range(num):
        img, objects, _ = render_scene_v6(SEED, split, i, size=size)
        name = f'{split[:-4]}_{i:06d}'
        out.append((name, np.asarray(img), [(o['label'], o['bbox'], o['mask'])
                                            for o in objects]))
    return out


def label_map(shape, objects, offset, background):
    """One label per pixel: ``background`` where no object is, else the
    object's class + ``offset``."""
    labels = np.full(shape, background, dtype=np.uint8)
    for cls, _, mask in objects:
        labels[mask] = cls + offset
    return labels


def _voc_xml(path, name, image, objects):
    root = ET.Element('annotation')
    ET.SubElement(root, 'filename').text = f'{name}.jpg'
    size = ET.SubElement(root, 'size')
    for key, value in (('width', image.shape[1]), ('height', image.shape[0]),
                       ('depth', 3)):
        ET.SubElement(size, key).text = str(value)
    for cls, (x, y, w, h), _ in objects:
        obj = ET.SubElement(root, 'object')
        ET.SubElement(obj, 'name').text = VOC_CLASSES[cls]
        ET.SubElement(obj, 'difficult').text = '0'
        box = ET.SubElement(obj, 'bndbox')
        # VOC boxes are 1-based and inclusive
        for key, value in (('xmin', x + 1), ('ymin', y + 1), ('xmax', x + w),
                           ('ymax', y + h)):
            ET.SubElement(box, key).text = str(int(value))
    ET.ElementTree(root).write(path)


def write_voc(root, data):
    """``VOCdevkit/VOC2007`` and ``VOC2012``: JPEGImages, Annotations,
    ImageSets/Main (trainval, test) and, in VOC2012, SegmentationClass
    (+ Aug) with ImageSets/Segmentation (train, aug, val)."""
    for year in ('VOC2007', 'VOC2012'):
        base = osp.join(root, 'VOCdevkit', year)
        segmentation = year == 'VOC2012'  # VOC12 train_aug / val
        subs = ['JPEGImages', 'Annotations', 'ImageSets/Main']
        if segmentation:
            subs += [
                'SegmentationClass', 'SegmentationClassAug',
                'ImageSets/Segmentation'
            ]
        for sub in subs:
            os.makedirs(osp.join(base, sub), exist_ok=True)
        sets = {}
        for split, items in data.items():
            for name, image, objects in items:
                Image.fromarray(image).save(
                    osp.join(base, 'JPEGImages', f'{name}.jpg'), quality=95)
                _voc_xml(
                    osp.join(base, 'Annotations', f'{name}.xml'), name, image,
                    objects)
                if segmentation:  # class indices, as VOC's palette PNGs
                    seg = Image.fromarray(
                        label_map(image.shape[:2], objects, 1, 0))
                    for folder in ('SegmentationClass',
                                   'SegmentationClassAug'):
                        seg.save(osp.join(base, folder, f'{name}.png'))
                sets.setdefault(split, []).append(name)
        lists = {
            'Main/trainval.txt': sets['train'],
            'Main/test.txt': sets['val'],
        }
        if segmentation:
            lists.update({
                'Segmentation/train.txt': sets['train'],
                'Segmentation/aug.txt': sets['train'],
                'Segmentation/val.txt': sets['val'],
            })
        for rel, names in lists.items():
            with open(osp.join(base, 'ImageSets', rel), 'w') as f:
                f.write(''.join(f'{n}\n' for n in names))


def write_coco(root, data):
    """``coco/{train2017,val2017}`` and ``annotations/instances_*.json``
    with boxes and RLE masks."""
    os.makedirs(osp.join(root, 'coco', 'annotations'), exist_ok=True)
    categories = [
        dict(id=i, name=n, supercategory='demo')
        for i, n in zip(COCO_IDS, COCO_NAMES)
    ]
    for split, items in data.items():
        folder = f'{split}2017'
        os.makedirs(osp.join(root, 'coco', folder), exist_ok=True)
        images, annotations = [], []
        for image_id, (name, image, objects) in enumerate(items, 1):
            Image.fromarray(image).save(
                osp.join(root, 'coco', folder, f'{name}.jpg'), quality=95)
            images.append(
                dict(
                    id=image_id,
                    file_name=f'{name}.jpg',
                    height=image.shape[0],
                    width=image.shape[1]))
            for cls, bbox, mask in objects:
                annotations.append(
                    dict(
                        id=len(annotations) + 1,
                        image_id=image_id,
                        category_id=COCO_IDS[cls],
                        bbox=[float(v) for v in bbox],
                        area=float(mask.sum()),
                        iscrowd=0,
                        segmentation=mask_to_rle(mask)))
        with open(
                osp.join(root, 'coco', 'annotations',
                         f'instances_{folder}.json'), 'w') as f:
            json.dump(
                dict(
                    images=images,
                    annotations=annotations,
                    categories=categories), f)


def write_cityscapes(root, data):
    """``cityscapes/leftImg8bit/{train,val}/demo/*_leftImg8bit.png`` and
    ``gtFine/.../*_gtFine_labelTrainIds.png`` (train ids)."""
    for split, items in data.items():
        for kind in ('leftImg8bit', 'gtFine'):
            os.makedirs(
                osp.join(root, 'cityscapes', kind, split, 'demo'),
                exist_ok=True)
        for name, image, objects in items:
            stem = f'demo_{name}'
            Image.fromarray(image).save(
                osp.join(root, 'cityscapes', 'leftImg8bit', split, 'demo',
                         f'{stem}_leftImg8bit.png'))
            Image.fromarray(label_map(image.shape[:2], objects, 1, 0)).save(
                osp.join(root, 'cityscapes', 'gtFine', split, 'demo',
                         f'{stem}_gtFine_labelTrainIds.png'))


def make_transfer_data(root, num_train=16, num_val=8, size=128):
    """Write the three layouts under ``root`` (which must not hold them);
    returns the paths written."""
    taken = [d for d in LAYOUTS if osp.exists(osp.join(root, d))]
    if taken:
        raise UsageError(f'{osp.join(root, taken[0])} exists; it is not '
                         'overwritten (choose another folder)')
    data = dict(
        train=scenes('train2017', num_train, size),
        val=scenes('val2017', num_val, size))
    write_voc(root, data)
    write_coco(root, data)
    write_cityscapes(root, data)
    return [osp.join(root, d) for d in LAYOUTS]
