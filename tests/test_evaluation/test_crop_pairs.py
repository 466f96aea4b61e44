import numpy as np
import pytest

from mmsal.evaluation.crop_pairs import (mean_measures, measure_crop_modes,
                                         pair_measures)
from mmsal.evaluation.saliency_quality import saliency_quality

OBJECTS = np.array([[0, 0, 20, 20], [60, 60, 100, 100]], float)


def test_both_views_on_one_object():
    m = pair_measures([0, 0, 20, 20], [5, 5, 25, 25], OBJECTS)
    assert m['same_dominant_object'] == 1 and m['shared_object'] == 1
    assert m['holds_object'] == 1
    # view a: all object; view b: 15 x 15 of 20 x 20 covered
    assert m['object_coverage'] == pytest.approx((1 + 225 / 400) / 2, abs=0.02)


def test_views_on_two_objects_share_nothing():
    m = pair_measures([0, 0, 20, 20], [60, 60, 100, 100], OBJECTS)
    assert m['same_dominant_object'] == 0 and m['shared_object'] == 0
    assert m['holds_object'] == 1


def test_a_view_of_background_holds_nothing_and_has_no_dominant():
    m = pair_measures([25, 25, 55, 55], [25, 25, 55, 55], OBJECTS)
    assert m == dict(
        object_coverage=0.0,
        holds_object=0.0,
        shared_object=0.0,
        same_dominant_object=0.0)


def test_half_an_object_is_held_less_is_not():
    half = pair_measures([0, 0, 10, 20], [0, 0, 9, 20], OBJECTS)
    assert half['holds_object'] == 0.5 and half['shared_object'] == 0
    assert half['same_dominant_object'] == 1  # partly, but the same one


def test_images_without_boxes_are_not_measured():
    assert pair_measures([0, 0, 5, 5], [0, 0, 5, 5], np.zeros((0, 4))) is None
    out = mean_measures([
        None,
        pair_measures([0, 0, 20, 20], [0, 0, 20, 20], OBJECTS),
        pair_measures([25, 25, 55, 55], [0, 0, 20, 20], OBJECTS)
    ])
    assert out['pairs'] == 2 and out['same_dominant_object'] == 0.5


def _two_object_map(size=8):
    m = np.zeros((size, size))
    m[0:2, 0:2] = 1  # object 0: pixels 0..20 of 80
    return m


def test_paired_crops_with_a_perfect_map_share_the_object():
    boxes = [np.array([[0, 0, 20, 20], [50, 50, 80, 80]], float)] * 20
    maps = [_two_object_map()] * 20
    crop = dict(type='SaliencyCrop', scale=32, crop_ratio_range=(0.2, 1.))
    out = measure_crop_modes(crop, maps, boxes, [(80, 80)] * 20, pairs=200)
    assert out['paired']['same_dominant_object'] > 0.9
    assert out['paired']['same_dominant_object'] > \
        out['random']['same_dominant_object'] + 0.3
    assert out['random']['pairs'] == 200
    # measured with numpy's generator restored: reproducible
    again = measure_crop_modes(crop, maps, boxes, [(80, 80)] * 20, pairs=200)
    assert again == out


def test_energy_in_boxes_next_to_the_box_share():
    boxes = [np.array([[0, 0, 40, 40]], float)]
    uniform = saliency_quality([np.ones((4, 4))], boxes, [(80, 80)])
    assert uniform['energy_in_boxes'] == pytest.approx(0.25, abs=0.02)
    assert uniform['box_area_share'] == pytest.approx(0.25, abs=0.02)
    on = np.zeros((4, 4))
    on[:2, :2] = 1
    off = np.zeros((4, 4))
    off[3, 3] = 1
    scored = saliency_quality([on], boxes, [(80, 80)], contrast=[off])
    assert scored['energy_in_boxes'] == pytest.approx(1, abs=0.02)
    assert scored['pointing_game'] == 1 and scored['pointing_contrast'] == 0
    assert scored['pointing_vs_contrast'] == 1
