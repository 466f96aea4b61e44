"""The drawing functions of mmsal.visualization and crop sampling."""
import numpy as np
import pytest
import torch

from mmsal.datasets import SaliencyCrop
from mmsal.visualization import (column_titles, grid_size, heatmap, make_grid,
                                 overlay, saliency_row, sample_crops)


def _corner_map(size=7, cells=1):
    sal = np.zeros((size, size), np.float32)
    sal[:cells, -cells:] = 1.0  # top-right corner
    return sal


def test_heatmap_is_hottest_where_the_map_peaks():
    heat = heatmap(_corner_map(), 60, 90)
    assert heat.shape == (60, 90, 3) and heat.dtype == np.uint8
    heat = heat.astype(int)
    # jet: red = high, blue = low
    redness = heat[..., 0] - heat[..., 2]
    y, x = np.unravel_index(redness.argmax(), redness.shape)
    assert y < 60 / 7 and x >= 90 * 6 / 7
    assert tuple(heat[-1, 0]) == (0, 0, 128)  # far corner: darkest blue
    assert heat[0, -1, 0] > 120 and heat[0, -1, 2] < 10


def test_overlay_keeps_the_shape_and_the_hot_corner():
    img = np.full((48, 64, 3), 128, np.uint8)
    out = overlay(img, _corner_map(), alpha=0.5)
    assert out.shape == img.shape and out.dtype == np.uint8
    out = out.astype(int)
    redness = out[..., 0] - out[..., 2]
    y, x = np.unravel_index(redness.argmax(), redness.shape)
    assert y < 48 / 7 and x >= 64 * 6 / 7 and redness[y, x] > 0
    assert out[-1, 0, 2] > out[-1, 0, 0]  # the cold corner is blue


def test_row_and_grid_sizes():
    img = np.random.default_rng(0).integers(0, 255, (40, 70, 3), np.uint8)
    boxes = np.array([[0, 0, 20, 20], [10, 5, 70, 40]], np.float32)
    row = saliency_row(
        img, _corner_map(), boxes, [1.5, 0.8], tile=64, label='#3')
    assert len(row) == 3 + 2
    assert all(t.shape == (64, 64, 3) and t.dtype == np.uint8 for t in row)
    no_map = saliency_row(img, None, boxes, [1.0, 1.0], tile=64)
    titles = column_titles(2)
    assert titles == ['image', 'saliency', 'crops', 'crop 1', 'crop 2']
    grid = make_grid([row, no_map, row], pad=4, titles=titles)
    h, w = grid_size(3, 5, 64, pad=4, titles=True)
    assert grid.shape == (h, w, 3)
    assert w == 5 * 64 + 6 * 4 and h - (3 * 64 + 4 * 4) > 0
    plain = make_grid([row], pad=2)
    assert plain.shape == (64 + 4, 5 * 64 + 12, 3)


def test_sample_crops_follow_the_map_and_leave_rngs_alone():
    crop = SaliencyCrop(scale=32, crop_ratio_range=(0.1, 0.3), tau=0.1)
    img = np.zeros((96, 96, 3), np.uint8)
    np.random.seed(123)
    torch.manual_seed(5)
    before = np.random.get_state()[1].copy()
    torch_before = torch.get_rng_state()
    boxes, scores = sample_crops(crop, img, _corner_map(cells=3), 6,
                                 np.random.default_rng(0))
    assert (np.random.get_state()[1] == before).all()
    assert torch.equal(torch.get_rng_state(), torch_before)
    assert crop.store is None  # untouched
    assert boxes.shape == (6, 4) and scores.shape == (6, )
    assert (scores > 1).all()  # the salient corner was picked
    centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
    centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
    assert (centre_x > 40).all() and (centre_y < 56).all()
    again, _ = sample_crops(crop, img, _corner_map(cells=3), 6,
                            np.random.default_rng(0))
    assert np.array_equal(boxes, again)  # the caller's seed decides
    warm, warm_scores = sample_crops(crop, img, None, 3,
                                     np.random.default_rng(0))
    assert warm.shape == (3, 4) and (warm_scores == 1).all()


@pytest.mark.parametrize(
    'bad',
    [dict(indices=[]), dict(num_images=0),
     dict(tile=8)])
def test_hook_rejects_bad_options(bad):
    from mmsal.engine import SaliencyVisHook
    from mmsal.errors import OptionError
    with pytest.raises(OptionError, match='SaliencyVisHook'):
        SaliencyVisHook(**bad)
