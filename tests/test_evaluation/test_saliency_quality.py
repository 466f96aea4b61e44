import numpy as np
import pytest

from mmsal.evaluation.saliency_quality import map_box, saliency_quality


def _peak(size, row, col):
    m = np.zeros((size, size))
    m[row, col] = 1
    return m


def test_pointing_game_and_baselines():
    # 100x100 images, one box in the top-left quarter (share 0.25).
    box = np.array([[0, 0, 50, 50]])
    maps = [_peak(4, 0, 0), _peak(4, 0, 1), _peak(4, 3, 3), _peak(4, 1, 0)]
    out = saliency_quality(maps, [box] * 4, [(100, 100)] * 4)
    assert out['pointing_game'] == 0.75  # peaks at cells (0,0), (0,1), (1,0)
    assert out['pointing_random'] == pytest.approx(0.25, abs=0.02)
    assert out['pointing_centre'] == 1.0  # (50, 50) is on the box edge
    assert out['images'] == 4
    shifted = np.array([[60, 60, 90, 90]])
    out = saliency_quality([_peak(4, 3, 3)], [shifted], [(100, 100)])
    assert out['pointing_game'] == 1.0 and out['pointing_centre'] == 0.0


def test_box_iou_and_skips_images_without_boxes():
    m = np.zeros((4, 4))
    m[:2, :2] = 1  # map box = top-left quarter
    np.testing.assert_allclose(map_box(m, 100, 100, 0.5), [0, 0, 50, 50])
    out = saliency_quality([m, m],
                           [np.array([[0, 0, 50, 50]]),
                            np.zeros((0, 4))], [(100, 100)] * 2)
    assert out['images'] == 1 and out['box_iou'] == pytest.approx(1.0)
    assert out['box_iou_centre'] == pytest.approx(625 / (2500 * 2 - 625))
    with pytest.raises(ValueError, match='no image'):
        saliency_quality([m], [np.zeros((0, 4))], [(100, 100)])


def test_peak_inside_scores_one_outside_zero():
    box = [np.array([[10, 10, 40, 40]])]
    inside = saliency_quality([_peak(10, 2, 2)], box, [(100, 100)])
    outside = saliency_quality([_peak(10, 8, 8)], box, [(100, 100)])
    assert inside['pointing_game'] == 1.0 and outside['pointing_game'] == 0.0
