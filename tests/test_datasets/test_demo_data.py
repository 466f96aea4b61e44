import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmsal.datasets import (DEMO_CLASSES, DataError, DemoObjects, DemoScenes,
                            ensure_demo_data, make_demo_data)
from mmsal.datasets.demo_scenes import render_scene

SMALL = dict(
    num_train=6,
    num_val=2,
    image_size=64,
    objects_per_class=(1, 1),
    object_size=32,
    seed=3)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def test_same_seed_gives_identical_files(tmp_path):
    a = str(tmp_path / 'a')
    b = str(tmp_path / 'b')
    make_demo_data(a, progress=False, **SMALL)
    make_demo_data(b, progress=False, **SMALL)
    ann = 'annotations/instances_train2017.json'
    assert _read(osp.join(a, ann)) == _read(osp.join(b, ann))
    assert _read(osp.join(a, 'train2017', '000000000004.jpg')) == _read(
        osp.join(b, 'train2017', '000000000004.jpg'))
    assert _read(osp.join(a, 'objects/meta/val.txt')) == _read(
        osp.join(b, 'objects/meta/val.txt'))


def test_other_seed_gives_other_scenes(tmp_path):
    a = str(tmp_path / 'a')
    c = str(tmp_path / 'c')
    make_demo_data(a, progress=False, **SMALL)
    make_demo_data(c, progress=False, **dict(SMALL, seed=4))
    ann = 'annotations/instances_train2017.json'
    assert _read(osp.join(a, ann)) != _read(osp.join(c, ann))


def test_scene_statistics():
    counts, shares, labels = [], [], set()
    for i in range(200):
        img, objects = render_scene(0, 'train2017', i, size=96)
        assert img.size == (96, 96)
        counts.append(len(objects))
        for obj in objects:
            x, y, w, h = obj['bbox']
            assert 0 <= x and 0 <= y and x + w <= 96 and y + h <= 96
            assert 0 < obj['area'] <= w * h
            shares.append(w * h / 96.0**2)
            labels.add(obj['label'])
    assert min(counts) >= 1 and max(counts) <= 4
    assert 2.5 <= np.mean(counts) <= 3.5
    assert labels == set(range(len(DEMO_CLASSES)))
    # objects cover roughly 3-25 % of the image (visible boxes may be less)
    assert 0.03 <= np.median(shares) <= 0.25
    assert max(shares) <= 0.3


def test_coco_files_and_labelled_split(demo_root):
    with open(osp.join(demo_root,
                       'annotations/instances_train2017.json')) as f:
        coco = json.load(f)
    assert len(coco['images']) == 24
    assert [c['name'] for c in coco['categories']] == list(DEMO_CLASSES)
    img = coco['images'][0]
    assert Image.open(osp.join(demo_root, 'train2017',
                               img['file_name'])).size == (64, 64)
    objects = DemoObjects(
        demo_root, split='train', demo_settings=_tiny_settings(demo_root))
    assert len(objects) == 3 * len(DEMO_CLASSES)
    labels = [
        objects.get_data_info(i)['gt_label'] for i in range(len(objects))
    ]
    assert np.bincount(labels).tolist() == [3] * len(DEMO_CLASSES)
    assert objects.metainfo['classes'] == DEMO_CLASSES


def test_objects_labelled_by_shape_or_pattern(demo_root):
    settings = _tiny_settings(demo_root)
    by = {
        label:
        DemoObjects(
            demo_root, split='train', label=label, demo_settings=settings)
        for label in ('class', 'shape', 'pattern')
    }
    assert by['shape'].metainfo['classes'] == ('disk', 'square', 'triangle',
                                               'cross', 'ring')
    assert by['pattern'].metainfo['classes'] == ('stripes', 'checker')
    for i in range(len(by['class'])):
        name = DEMO_CLASSES[by['class'].get_data_info(i)['gt_label']]
        shape, pattern = name.split('_')
        assert by['shape'].metainfo['classes'][by['shape'].get_data_info(i)
                                               ['gt_label']] == shape
        assert by['pattern'].metainfo['classes'][by['pattern'].get_data_info(i)
                                                 ['gt_label']] == pattern
        assert (by['shape'].get_data_info(i)['img_path'] ==
                by['class'].get_data_info(i)['img_path'])
    with pytest.raises(DataError, match="label must be"):
        DemoObjects(demo_root, label='colour', demo_settings=settings)


def _tiny_settings(root):
    with open(osp.join(root, 'demo_meta.json')) as f:
        return json.load(f)


def test_ensure_generates_once_and_refuses_other_settings(tmp_path):
    root = str(tmp_path / 'demo')
    ensure_demo_data(root, **SMALL)
    stamp = os.stat(osp.join(root, 'demo_meta.json')).st_mtime_ns
    ensure_demo_data(root, **SMALL)  # reused, not regenerated
    assert os.stat(osp.join(root, 'demo_meta.json')).st_mtime_ns == stamp
    with pytest.raises(DataError, match='other settings'):
        ensure_demo_data(root, **dict(SMALL, seed=9))
    assert not [p for p in os.listdir(tmp_path) if '.tmp-' in p]


def test_ensure_never_touches_a_foreign_folder(tmp_path):
    root = tmp_path / 'mine'
    root.mkdir()
    (root / 'notes.txt').write_text('keep me')
    with pytest.raises(DataError, match='not written by mmsal'):
        ensure_demo_data(str(root), **SMALL)
    assert (root / 'notes.txt').read_text() == 'keep me'
    assert os.listdir(root) == ['notes.txt']


def test_unknown_setting_is_named(tmp_path):
    with pytest.raises(DataError, match='num_imgs'):
        ensure_demo_data(str(tmp_path / 'x'), num_imgs=3)


def test_demo_scenes_dataset(demo_root):
    ds = DemoScenes(
        demo_root, split='val', demo_settings=_tiny_settings(demo_root))
    assert len(ds) == 8
    info = ds.get_data_info(5)
    assert info['sample_idx'] == 5
    assert info['img_path'].endswith('val2017/000000000006.jpg')
    with pytest.raises(DataError, match='split'):
        DemoScenes(demo_root, split='test')


def _quadrant_means(img):
    """Mean colour of each 48 px quadrant of a 96 px image, (4, 3)."""
    a = np.asarray(img, dtype=np.float32)
    return np.stack([
        a[y:y + 48, x:x + 48].reshape(-1, 3).mean(0) for y in (0, 48)
        for x in (0, 48)
    ])


def test_calm_background_ties_a_scene_together():
    """Quadrants of one calm scene look alike and unlike other scenes;
    with clutter backgrounds they are as far apart as two scenes'."""
    spread = {}
    for style in ('clutter', 'calm'):
        q = np.stack([
            _quadrant_means(
                render_scene(0, 'train2017', i, background=style)[0])
            for i in range(40)
        ])
        within = np.linalg.norm(q[:, :, None] - q[:, None], axis=-1)
        across = np.linalg.norm(q[:, None, 0] - q[None, :, 1], axis=-1)
        spread[style] = (within[:, 0, 1:].mean(),
                         across[~np.eye(40, dtype=bool)].mean())
    calm_within, calm_across = spread['calm']
    clutter_within, clutter_across = spread['clutter']
    assert calm_within < 0.6 * calm_across
    assert clutter_within > 0.7 * clutter_across
    assert calm_within < 0.7 * clutter_within


def test_background_option(tmp_path):
    # the default is the clutter background the earlier data were drawn with
    a, _ = render_scene(0, 'train2017', 3)
    b, _ = render_scene(0, 'train2017', 3, background='clutter')
    c, _ = render_scene(0, 'train2017', 3, background='calm')
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    with pytest.raises(DataError, match="background='plain'"):
        ensure_demo_data(str(tmp_path / 'x'), background='plain')
    # data written before the option existed are read as 'clutter'
    root = str(tmp_path / 'old')
    ensure_demo_data(root, **SMALL)
    meta = osp.join(root, 'demo_meta.json')
    with open(meta) as f:
        settings = json.load(f)
    del settings['background']
    with open(meta, 'w') as f:
        json.dump(settings, f)
    ensure_demo_data(root, **SMALL)
    with pytest.raises(DataError, match='other settings'):
        ensure_demo_data(root, **dict(SMALL, background='calm'))
