"""The demo-v6 generator: what its scenes hold, its COCO masks, the preset
and its settings' checks."""
import json
import os.path as osp

import numpy as np
import pytest

from mmsal.datasets import DEMO_CLASSES, DataError, DemoObjects, DemoScenes
from mmsal.datasets.demo_data import (DEMO_V6, ensure_demo_data,
                                      make_demo_data, preset_settings)
from mmsal.datasets.demo_scenes_v6 import mask_to_rle, render_scene_v6

SMALL_V6 = dict(
    DEMO_V6,
    num_train=6,
    num_val=3,
    objects_per_class=(5, 1),
    object_size=32,
    seed=3)


def test_scene_statistics():
    counts, shares, labels, pool, cover = [], [], set(), set(), []
    for i in range(150):
        img, objects, background = render_scene_v6(100, 'train2017', i)
        assert img.size == (96, 96)
        counts.append(len(objects))
        pool.add(background)
        union = np.zeros((96, 96), dtype=bool)
        for obj in objects:
            x, y, w, h = obj['bbox']
            mask = obj['mask']
            ys, xs = np.nonzero(mask)
            # the box and area are those of the visible pixels
            assert [xs.min(), ys.min()] == [x, y]
            assert [xs.max() + 1, ys.max() + 1] == [x + w, y + h]
            assert obj['area'] == mask.sum()
            assert not (union & mask).any()  # visible pixels: disjoint
            union |= mask
            shares.append(obj['area'] / 96.0**2)
            labels.add(obj['label'])
        cover.append(union.mean())
    assert min(counts) >= 1 and max(counts) <= 5
    assert 2.5 <= np.mean(counts) <= 3.5
    assert labels == set(range(len(DEMO_CLASSES)))
    # small objects: most visible areas under 5 % of the image, none much
    # over 10 % (the sides are rounded to whole pixels)
    assert np.median(shares) < 0.05 and max(shares) <= 0.105
    # a random point hits an object about one time in eight
    assert 0.05 <= np.mean(cover) <= 0.2
    # backgrounds come from the shared pool of 32
    assert pool <= set(range(32)) and len(pool) >= 28


def test_shared_background_pool():
    """Two scenes with the same pool index share their backdrop: where
    neither has an object or a distractor, the pixels agree."""
    from mmsal.datasets.demo_scenes_v6 import pool_background
    a = pool_background(0, 5, 128)
    assert np.array_equal(a, pool_background(0, 5, 128))
    assert not np.allclose(a, pool_background(0, 6, 128))
    assert not np.allclose(a, pool_background(1, 5, 128))


def test_distractors_are_as_contrasty_as_objects():
    """Over 20 scenes, the mean gradient on distractor pixels is of the
    order of the one on object pixels (the blotches' flat parts dilute it),
    far above the background's."""
    from mmsal.datasets.demo_scenes_v6 import pool_background
    grads = dict(distractor=[], objects=[], background=[])
    for index in range(20):
        img, objects, background = render_scene_v6(100, 'val2017', index)
        grey = np.asarray(img.convert('L'), dtype=np.float32)
        grad = np.hypot(*np.gradient(grey))
        objs = np.logical_or.reduce([o['mask'] for o in objects])
        plain = np.asarray(pool_background(100, background, 96)).mean(-1)
        # pixels that differ from the bare background and are no object
        changed = np.abs(grey - plain) > 20
        grads['distractor'].append(grad[changed & ~objs])
        grads['objects'].append(grad[objs])
        grads['background'].append(grad[~changed & ~objs])
    mean = {k: np.concatenate(v).mean() for k, v in grads.items()}
    assert sum(map(len, grads['distractor'])) > 20000
    assert mean['distractor'] > 0.35 * mean['objects']
    assert mean['distractor'] > 2 * mean['background']
    assert mean['background'] < 0.3 * mean['objects']


def test_labelled_objects_are_demo_v5s(tmp_path):
    """The kNN bank and probe objects of demo-v6 are demo-v5's, byte for
    byte (same seed): clutter backgrounds, not the shared pool."""
    v5, v6 = str(tmp_path / 'v5'), str(tmp_path / 'v6')
    make_demo_data(
        v5,
        progress=False,
        **{
            k: v
            for k, v in SMALL_V6.items() if k not in DEMO_V6
        })
    make_demo_data(v6, progress=False, **SMALL_V6)
    for rel in ('objects/meta/train.txt', 'objects/train/ring_checker/'
                '000009.jpg', 'objects/val/disk_stripes/000000.jpg'):
        with open(osp.join(v5, rel), 'rb') as a:
            with open(osp.join(v6, rel), 'rb') as b:
                assert a.read() == b.read()
    with open(osp.join(v6, 'annotations/instances_val2017.json')) as f:
        with open(osp.join(v5, 'annotations/instances_val2017.json')) as g:
            assert f.read() != g.read()  # the scenes differ


def test_rle_round_trip_through_pycocotools():
    mask_util = pytest.importorskip('pycocotools.mask')
    rng = np.random.default_rng(0)
    masks = [rng.random((7, 5)) < 0.4, np.ones((4, 6), bool)]
    masks.append(np.zeros((3, 3), bool))
    for mask in masks:
        rle = mask_to_rle(mask)
        assert sum(rle['counts']) == mask.size
        decoded = mask_util.decode(mask_util.frPyObjects(
            rle, *mask.shape)).astype(bool)
        assert np.array_equal(decoded, mask)


def test_written_annotations_carry_masks(tmp_path):
    root = str(tmp_path / 'v6')
    make_demo_data(root, progress=False, **SMALL_V6)
    with open(osp.join(root, 'annotations/instances_val2017.json')) as f:
        coco = json.load(f)
    assert coco['annotations']
    for ann in coco['annotations']:
        rle = ann['segmentation']
        assert rle['size'] == [96, 96]
        assert sum(rle['counts'][1::2]) == ann['area']
    # the datasets take the preset by name plus options
    scenes = DemoScenes(
        root,
        split='val',
        demo_settings=dict(
            preset='v6',
            num_train=6,
            num_val=3,
            objects_per_class=(5, 1),
            object_size=32,
            seed=3))
    assert len(scenes) == 3
    settings = dict(SMALL_V6)
    fit = DemoObjects(root, demo_settings=settings, part='fit')
    hold = DemoObjects(root, demo_settings=settings, part='holdout')
    assert len(fit) == 40 and len(hold) == 10

    def infos(ds):
        return [ds.get_data_info(i) for i in range(len(ds))]

    assert sorted(i['gt_label'] for i in infos(hold)) == list(range(10))
    assert not ({i['img_path']
                 for i in infos(fit)} & {i['img_path']
                                         for i in infos(hold)})
    with pytest.raises(DataError, match="part must be"):
        DemoObjects(root, demo_settings=settings, part='test')


def test_presets_and_their_checks(tmp_path):
    assert preset_settings(None) == {}
    assert preset_settings('v6') == DEMO_V6
    assert preset_settings(dict(preset='v6', seed=100)) == dict(
        DEMO_V6, seed=100)
    with pytest.raises(DataError, match="preset 'v7'"):
        preset_settings('v7')
    root = str(tmp_path / 'x')
    with pytest.raises(DataError, match="set background='pool'"):
        ensure_demo_data(root, generator='v6', num_backgrounds=4)
    with pytest.raises(DataError, match='num_backgrounds'):
        ensure_demo_data(root, **dict(DEMO_V6, num_backgrounds=0))
    with pytest.raises(DataError, match='num_backgrounds'):
        ensure_demo_data(root, num_backgrounds=4)  # v5 has no pool
    with pytest.raises(DataError, match="generator='v9'"):
        ensure_demo_data(root, generator='v9')
    assert not osp.exists(root)
