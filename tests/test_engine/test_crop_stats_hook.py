"""CropStatsHook on hand-made batches with known boxes and weights."""
import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmpretrain.registry import HOOKS
from mmpretrain.structures import DataSample

import mmsal  # noqa: F401
from mmsal.errors import OptionError

# 100 x 100 images: (object boxes or None, view 0 box, view 1 box, weight)
FULL = [0, 0, 100, 100]
IMAGES = [
    # both views on the single object: everything 1; pair area 1/4
    ([[0, 0, 50, 50]], [0, 0, 50, 50], [0, 0, 50, 50], 1.0),
    # view 1 (1/64 of the image) misses it; pair area 1/16
    ([[0, 0, 50, 50]], [0, 0, 50, 50], [60, 60, 72.5, 72.5], 1.5),
    # no boxes: weights only; pair area 1
    (None, FULL, FULL, 0.5),
    # the object is the top half of both views; pair area 1
    ([[0, 0, 100, 50]], FULL, FULL, 0.5),
]


def _sample(i):
    ds = DataSample()
    ds.set_field(np.array(IMAGES[i][1:3], np.float32), 'crop_box')
    ds.set_metainfo(dict(sample_idx=i, ori_shape=(100, 100)))
    return ds


class Dataset:

    def get_data_info(self, idx):
        objects = IMAGES[idx][0]
        return {} if objects is None else dict(gt_bboxes=np.array(objects))


def _runner(epoch=0):
    logged = dict(scalars=[], lines=[])
    runner = SimpleNamespace(
        epoch=epoch,
        model=SimpleNamespace(head=SimpleNamespace(last_weights=None)),
        train_dataloader=SimpleNamespace(dataset=Dataset()),
        visualizer=SimpleNamespace(
            add_scalars=lambda s, step: logged['scalars'].append((s, step))),
        logger=SimpleNamespace(info=logged['lines'].append))
    return runner, logged


def _epoch(hook, runner, batches, weights=True):
    """One epoch of steps of images ``batches`` (lists of indices)."""
    for step, images in enumerate(batches):
        if weights:  # symmetric head: B (0, 1) pairs, then B (1, 0) pairs
            w = [IMAGES[i][3] for i in images]
            runner.model.head.last_weights = torch.tensor(w + [9.] * len(w))
        batch = dict(data_samples=[_sample(i) for i in images])
        before = copy.deepcopy(batch)
        hook.after_train_iter(runner, step, batch)
        for a, b in zip(batch['data_samples'], before['data_samples']):
            assert np.array_equal(a.crop_box, b.crop_box)  # read only
    hook.after_train_epoch(runner)


def test_logs_crop_measures_and_weight_stats():
    hook = HOOKS.build(dict(type='CropStatsHook'))
    runner, logged = _runner()
    _epoch(hook, runner, [[0, 1], [2, 3]])
    (scalars, step), = logged['scalars']
    assert step == 1
    expected = {
        # images 0, 1, 3 (image 2 has no boxes)
        'crops/object_coverage': (1 + 0.5 + 0.5) / 3,
        'crops/holds_object': (1 + 0.5 + 1) / 3,
        'crops/shared_object': 2 / 3,
        'crops/same_dominant_object': 2 / 3,
        'weights/mean': 0.875,
        'weights/std': math.sqrt(0.171875),
        'weights/cv': math.sqrt(0.171875) / 0.875,
        # w = 0.5 - log(area) / (2 log 4): exactly linear, decreasing
        'weights/corr_log_area': -1.0,
        # weights (1, 1.5, .5) against coverage (1, .5, .5): uncorrelated
        'weights/corr_object_share': 0.0,
    }
    assert set(scalars) == set(expected)
    for key, value in expected.items():
        assert scalars[key] == pytest.approx(value, abs=1e-9), key
    line, = logged['lines']
    assert line.startswith('CropStatsHook: epoch 1, 4 pairs: ')
    assert 'same_dominant_object 0.667' in line
    # the next epoch starts empty
    _epoch(hook, runner, [[0]])
    assert logged['scalars'][1][0]['crops/same_dominant_object'] == 1.0


def test_no_weights_and_max_pairs():
    hook = HOOKS.build(dict(type='CropStatsHook', max_pairs=2))
    runner, logged = _runner()
    _epoch(hook, runner, [[1, 0], [3, 2]], weights=False)
    (scalars, _), = logged['scalars']
    # images 1 and 0 only, and no weights/* without the head's weights
    assert scalars == {
        'crops/object_coverage': 0.75,
        'crops/holds_object': 0.75,
        'crops/shared_object': 0.5,
        'crops/same_dominant_object': 0.5
    }
    assert ', 2 pairs: ' in logged['lines'][0]


def test_interval_skips_epochs():
    hook = HOOKS.build(dict(type='CropStatsHook', interval=2))
    runner, logged = _runner(epoch=0)  # the first epoch: not due
    _epoch(hook, runner, [[0, 1]])
    assert logged['scalars'] == [] and hook._pairs == []
    runner.epoch = 1
    _epoch(hook, runner, [[0, 1]])
    assert logged['scalars'][0][1] == 2


def test_samples_without_crop_box_name_the_fix():
    hook = HOOKS.build(dict(type='CropStatsHook'))
    runner, _ = _runner()
    ds = DataSample()
    ds.set_metainfo(dict(sample_idx=0, ori_shape=(100, 100)))
    with pytest.raises(
            OptionError,
            match=r"'crop_box'.*PackInputs\(algorithm_keys=\['saliency_score'"
    ):
        hook.after_train_iter(runner, 0, dict(data_samples=[ds]))
    with pytest.raises(OptionError, match='max_pairs'):
        HOOKS.build(dict(type='CropStatsHook', max_pairs=0))
