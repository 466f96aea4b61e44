import numpy as np
import pytest

from mmsal.datasets import SaliencyCrop, SaliencyMultiView
from mmsal.datasets.transforms.crop_boxes import salient_region
from mmsal.errors import OptionError
from mmsal.saliency import SaliencyStore


def _map_with(cells, size=8):
    m = np.zeros((size, size))
    for r, c in cells:
        m[r, c] = 1
    return m


def test_region_is_the_dilated_component_around_the_peak():
    m = _map_with([(1, 1), (1, 2), (2, 1), (2, 2)])  # pixels 10..30 of 80
    np.random.seed(0)
    x1, y1, x2, y2 = salient_region(m, 80, 80, min_side=0, max_side=1)
    assert (x1, y1, x2, y2) == pytest.approx((8, 8, 32, 32))  # 20 % wider


def test_region_has_its_minimum_and_maximum_side():
    one = _map_with([(0, 0)])
    np.random.seed(0)
    x1, y1, x2, y2 = salient_region(one, 80, 160, min_side=0.3)
    assert (x2 - x1, y2 - y1) == pytest.approx((48, 24))
    assert x1 == 0 and y1 == 0  # kept inside the image
    band = _map_with([(4, c) for c in range(8)])
    x1, y1, x2, y2 = salient_region(band, 80, 80, max_side=0.5)
    assert x2 - x1 == pytest.approx(40)  # cut about the peak


def test_region_picks_among_peaks_by_their_saliency():
    m = _map_with([(0, 0), (7, 7)])
    m[7, 7] = 0.5
    np.random.seed(1)
    lefts = [salient_region(m, 80, 80, tau=1)[0] for _ in range(600)]
    share_top_left = np.mean(np.array(lefts) == 0)
    assert share_top_left == pytest.approx(2 / 3, abs=0.06)


def _paired_views(saliency, n=100):
    crop = dict(
        type='SaliencyCrop',
        scale=16,
        mode='paired',
        crop_ratio_range=(0.2, 1.))
    views = SaliencyMultiView(num_views=2, transforms=[[crop]])
    store = SaliencyStore(1, saliency.shape[0])
    import torch
    store.write(torch.as_tensor(saliency, dtype=torch.float32)[None])
    views.region_crop.store = store
    out = []
    for _ in range(n):
        res = views(dict(img=np.zeros((80, 80, 3), np.uint8), sample_idx=0))
        out.append((res['saliency_region'], res['crop_box']))
    return out


def test_paired_views_lie_inside_one_region():
    np.random.seed(0)
    m = _map_with([(1, 1), (6, 6)])
    regions = set()
    for region, boxes in _paired_views(m):
        x1, y1, x2, y2 = region
        assert (boxes[:, 0] >= np.ceil(x1)).all()
        assert (boxes[:, 1] >= np.ceil(y1)).all()
        assert (boxes[:, 2] <= x2).all() and (boxes[:, 3] <= y2).all()
        regions.add(tuple(np.round(region)))
    assert len(regions) == 2  # both peaks get their turn


def test_paired_needs_saliency_multi_view():
    crop = SaliencyCrop(scale=16, mode='paired')
    with pytest.raises(OptionError, match='SaliencyMultiView'):
        crop.choose(np.ones((4, 4)), 80, 80)


def test_paired_without_a_map_is_random_resized_crop():
    crop = dict(type='SaliencyCrop', scale=16, mode='paired')
    views = SaliencyMultiView(num_views=2, transforms=[[crop]])
    res = views(dict(img=np.zeros((80, 80, 3), np.uint8), sample_idx=0))
    assert 'saliency_region' not in res
    assert res['saliency_score'].tolist() == [1, 1]


@pytest.mark.parametrize('kwargs', [
    dict(region_level=1.5),
    dict(region_min_side=-0.1),
    dict(region_dilate=-1),
])
def test_bad_region_options(kwargs):
    with pytest.raises(OptionError, match='region_'):
        SaliencyCrop(scale=16, mode='paired', **kwargs)
