"""mmsal.transfer.smoke_data / tools/make_transfer_data.py: the tiny VOC,
COCO and Cityscapes layouts hold the scenes' objects, boxes and masks
where the configs' datasets look for them."""
import json
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from mmsal.errors import UsageError
from mmsal.transfer import smoke_data
from ..conftest import ok, run_tool


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('transfer'))
    smoke_data.make_transfer_data(out, num_train=3, num_val=2, size=64)
    return out


def _scene(split, i):
    return smoke_data.scenes(f'{split}2017', i + 1, 64)[i]


def test_voc_detection_and_segmentation(root):
    voc = osp.join(root, 'VOCdevkit')
    for year in ('VOC2007', 'VOC2012'):
        with open(osp.join(voc, year, 'ImageSets/Main/trainval.txt')) as f:
            assert f.read().split() == [f'train_{i:06d}' for i in range(3)]
    name, image, objects = _scene('val', 1)
    xml = ET.parse(osp.join(voc, 'VOC2007/Annotations', f'{name}.xml'))
    boxes = [(o.find('name').text, [
        int(o.find(f'bndbox/{k}').text)
        for k in ('xmin', 'ymin', 'xmax', 'ymax')
    ]) for o in xml.getroot().iter('object')]
    assert boxes == [(smoke_data.VOC_CLASSES[c], [x + 1, y + 1, x + w, y + h])
                     for c, (x, y, w, h), _ in objects]
    seg = np.asarray(
        Image.open(osp.join(voc, 'VOC2012/SegmentationClass', f'{name}.png')))
    assert seg.shape == image.shape[:2]
    for cls, _, mask in objects:
        assert (seg[mask] == cls + 1).all()
    assert (seg[~np.logical_or.reduce([m for _, _, m in objects])] == 0).all()
    with open(osp.join(voc, 'VOC2012/ImageSets/Segmentation/val.txt')) as f:
        assert f.read().split() == ['val_000000', 'val_000001']
    assert not osp.exists(osp.join(voc, 'VOC2007/SegmentationClass'))


def test_coco_instances_with_masks(root):
    from pycocotools.coco import COCO
    path = osp.join(root, 'coco/annotations/instances_train2017.json')
    coco = COCO(path)
    assert sorted(coco.getCatIds()) == list(smoke_data.COCO_IDS)
    name, image, objects = _scene('train', 2)
    info = [
        i for i in coco.dataset['images'] if i['file_name'] == f'{name}.jpg'
    ][0]
    anns = coco.loadAnns(coco.getAnnIds(imgIds=info['id']))
    assert len(anns) == len(objects)
    for ann, (cls, bbox, mask) in zip(anns, objects):
        assert ann['category_id'] == smoke_data.COCO_IDS[cls]
        assert ann['bbox'] == [float(v) for v in bbox]
        assert np.array_equal(coco.annToMask(ann).astype(bool), mask)
    assert osp.exists(osp.join(root, 'coco/train2017', f'{name}.jpg'))
    with open(path) as f:
        assert len(json.load(f)['images']) == 3


def test_cityscapes_pairs_and_train_ids(root):
    name, image, objects = _scene('train', 0)
    base = osp.join(root, 'cityscapes')
    img = osp.join(base, 'leftImg8bit/train/demo',
                   f'demo_{name}_leftImg8bit.png')
    label = np.asarray(
        Image.open(
            osp.join(base, 'gtFine/train/demo',
                     f'demo_{name}_gtFine_labelTrainIds.png')))
    assert np.array_equal(np.asarray(Image.open(img)), image)  # lossless
    assert set(np.unique(label)) <= set(range(11))
    for cls, _, mask in objects:
        assert (label[mask] == cls + 1).all()


def test_never_overwrites(root, tmp_path):
    with pytest.raises(UsageError, match='VOCdevkit exists'):
        smoke_data.make_transfer_data(root)
    out = str(tmp_path / 'data')
    text = ok(
        run_tool([
            'make_transfer_data.py', out, '--num-train', '1', '--num-val', '1',
            '--image-size', '32'
        ],
                 cwd=str(tmp_path)))
    assert text.count('wrote ') == 3
    again = run_tool(['make_transfer_data.py', out], cwd=str(tmp_path))
    assert again.returncode == 2
    assert again.stderr.strip().endswith('it is not overwritten (choose '
                                         'another folder)')
