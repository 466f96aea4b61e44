import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from mmsal.datasets import CocoScenes, DataError


def _image(path, size=(20, 10)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new('RGB', size, (10, 20, 30)).save(path)


@pytest.fixture
def coco_root(tmp_path):
    """A 3-image COCO set: one crowd box, one image without boxes."""
    for name in ('a.jpg', 'b.jpg', 'c.jpg'):
        _image(tmp_path / 'train2017' / name)
    coco = dict(
        images=[
            dict(id=7, file_name='a.jpg', width=20, height=10),
            dict(id=8, file_name='b.jpg', width=20, height=10),
            dict(id=9, file_name='c.jpg', width=20, height=10)
        ],
        annotations=[
            dict(
                id=1, image_id=7, category_id=3, bbox=[1, 2, 4, 5], iscrowd=0),
            dict(
                id=2,
                image_id=7,
                category_id=5,
                bbox=[0, 0, 10, 10],
                iscrowd=0),
            dict(
                id=3, image_id=8, category_id=3, bbox=[0, 0, 5, 5], iscrowd=1),
        ],
        categories=[dict(id=3, name='cat'),
                    dict(id=5, name='dog')])
    (tmp_path / 'annotations').mkdir()
    with open(tmp_path / 'annotations' / 'instances_train2017.json', 'w') as f:
        json.dump(coco, f)
    return tmp_path


def test_json_mode_lists_images_with_boxes(coco_root):
    ds = CocoScenes(str(coco_root))
    assert len(ds) == 3
    assert ds.metainfo['classes'] == ('cat', 'dog')
    first = ds.get_data_info(0)
    assert first['sample_idx'] == 0 and first['img_id'] == 7
    assert first['img_path'] == str(coco_root / 'train2017' / 'a.jpg')
    np.testing.assert_array_equal(first['gt_bboxes'],
                                  [[1, 2, 5, 7], [0, 0, 10, 10]])
    assert first['gt_labels'].tolist() == [0, 1]
    crowd_only = ds.get_data_info(1)
    assert crowd_only['gt_bboxes'].shape == (0, 4)  # crowd boxes dropped
    assert ds.get_data_info(2)['sample_idx'] == 2


def test_pipeline_loads_image_and_keeps_sample_idx(coco_root):
    ds = CocoScenes(str(coco_root), pipeline=[dict(type='LoadImageFromFile')])
    out = ds[1]
    assert out['img'].shape == (10, 20, 3)
    assert out['sample_idx'] == 1


def test_folder_mode(coco_root):
    _image(coco_root / 'train2017' / 'sub' / 'd.png')
    _image(coco_root / 'train2017' / 'sub' / 'E.JPG')  # camera-style name
    (coco_root / 'train2017' / 'readme.txt').write_text('not an image')
    ds = CocoScenes(str(coco_root), ann_file='')
    names = [
        os.path.relpath(
            ds.get_data_info(i)['img_path'], coco_root / 'train2017')
        for i in range(len(ds))
    ]
    assert names == [
        'a.jpg', 'b.jpg', 'c.jpg',
        os.path.join('sub', 'E.JPG'),
        os.path.join('sub', 'd.png')
    ]
    assert ds.get_data_info(4)['sample_idx'] == 4


def test_coco_plus_two_sources(coco_root):
    shutil.copytree(coco_root / 'train2017', coco_root / 'unlabeled2017')
    with open(coco_root / 'annotations' / 'image_info_unlabeled2017.json',
              'w') as f:
        json.dump(
            dict(
                images=[
                    dict(id=1, file_name='c.jpg'),
                    dict(id=2, file_name='b.jpg')
                ],
                categories=[dict(id=5, name='dog'),
                            dict(id=6, name='cow')]), f)
    ds = CocoScenes(
        str(coco_root),
        ann_file=[
            'annotations/instances_train2017.json',
            'annotations/image_info_unlabeled2017.json'
        ],
        img_dir=['train2017', 'unlabeled2017'])
    assert len(ds) == 5
    assert ds.get_data_info(4)['img_path'].endswith('unlabeled2017/b.jpg')
    assert ds.get_data_info(4)['sample_idx'] == 4
    assert ds.metainfo['classes'] == ('cat', 'dog', 'cow')
    with pytest.raises(DataError, match='one folder per file'):
        CocoScenes(
            str(coco_root), ann_file=['a.json', 'b.json'], img_dir='train2017')


def _one_line_error(match, **kwargs):
    with pytest.raises(DataError, match=match) as info:
        CocoScenes(**kwargs)
    assert '\n' not in str(info.value)
    return str(info.value)


def test_missing_root(tmp_path):
    msg = _one_line_error(
        'data root not found', data_root=str(tmp_path / 'nope'))
    assert str(tmp_path / 'nope') in msg


def test_empty_folder(tmp_path):
    (tmp_path / 'train2017').mkdir()
    msg = _one_line_error('no images', data_root=str(tmp_path), ann_file='')
    assert str(tmp_path / 'train2017') in msg


def test_missing_annotation_file(coco_root):
    _one_line_error(
        'annotation file not found.*nope.json',
        data_root=str(coco_root),
        ann_file='nope.json')


def test_not_coco(coco_root):
    path = coco_root / 'annotations' / 'other.json'
    path.write_text(json.dumps({'items': [1, 2]}))
    _one_line_error(
        'other.json is not a COCO annotation file',
        data_root=str(coco_root),
        ann_file=str(path))
    path.write_text('{"images": [')
    _one_line_error(
        'other.json is not valid JSON',
        data_root=str(coco_root),
        ann_file=str(path))


def test_image_missing_on_disk(coco_root):
    os.remove(coco_root / 'train2017' / 'b.jpg')
    msg = _one_line_error('1 image.*missing', data_root=str(coco_root))
    assert msg.endswith(str(coco_root / 'train2017' / 'b.jpg'))
    # The check can be switched off (e.g. for a slow remote backend).
    assert len(CocoScenes(str(coco_root), check_files=False)) == 3
