import numpy as np
import pytest
import torch
from mmpretrain.datasets.transforms import PackInputs, RandomResizedCrop

from mmsal.datasets import SaliencyCrop, SaliencyMultiView, box_scores
from mmsal.errors import OptionError
from mmsal.saliency import SaliencyStore

IMG = np.random.default_rng(0).integers(0, 256, (96, 96, 3), np.uint8)


def _hot_quadrant_store(size=8):
    """Map with the top-left quadrant at 1, the rest at 0."""
    m = torch.zeros(size, size)
    m[:size // 2, :size // 2] = 1
    store = SaliencyStore(2, map_size=size)
    store.write(m[None].repeat(2, 1, 1))
    return store


def _centres_in_quadrant(crop, n=600):
    np.random.seed(0)
    hits, scores = [], []
    for _ in range(n):
        if isinstance(crop, SaliencyCrop):
            out = crop(dict(img=IMG, sample_idx=1))
            x1, y1, x2, y2 = out['crop_box']
            scores.append(out['saliency_score'])
        else:  # mmpretrain's RandomResizedCrop does not record its box
            y1, x1, h, w = crop.rand_crop_params(IMG)
            x2, y2 = x1 + w, y1 + h
        hits.append((x1 + x2) / 2 < 48 and (y1 + y2) / 2 < 48)
    return np.mean(hits), np.array(scores)


def test_box_scores_are_exact():
    sal = np.zeros((8, 8))
    sal[:4, :4] = 1  # mean 0.25
    boxes = [[0, 0, 48, 48], [48, 48, 96, 96], [0, 0, 96, 48],
             [0, 0, 96, 96], [6, 6, 18, 18]]
    np.testing.assert_allclose(box_scores(sal, boxes, 96, 96),
                               [4, 0, 2, 1, 4])
    # a box over part of a cell counts that cell by its overlap
    np.testing.assert_allclose(box_scores(sal, [[42, 0, 54, 12]], 96, 96),
                               [2])


def test_hot_quadrant_attracts_crops():
    crop = SaliencyCrop(32, tau=0.05)
    crop.store = _hot_quadrant_store()
    hit_rate, scores = _centres_in_quadrant(crop)
    assert hit_rate >= 0.9
    base, _ = _centres_in_quadrant(RandomResizedCrop(32))
    assert 0.15 <= base <= 0.35
    assert scores.mean() > 2.5  # well above the image mean (1)


def test_higher_tau_is_closer_to_random():
    crop = SaliencyCrop(32, tau=5.0)
    crop.store = _hot_quadrant_store()
    sharp = SaliencyCrop(32, tau=0.05)
    sharp.store = crop.store
    assert _centres_in_quadrant(crop)[0] < _centres_in_quadrant(sharp)[0]


def test_box_mode_centres_in_the_box():
    crop = SaliencyCrop(32, mode='box', crop_ratio_range=(0.05, 0.2))
    crop.store = _hot_quadrant_store()
    hit_rate, scores = _centres_in_quadrant(crop, n=300)
    assert hit_rate >= 0.9 and scores.mean() > 2


def test_warmup_is_exactly_random_resized_crop():
    crop = SaliencyCrop(40, crop_ratio_range=(0.2, 1.), backend='pillow')
    rrc = RandomResizedCrop(40, crop_ratio_range=(0.2, 1.), backend='pillow')
    crop.store = SaliencyStore(2, 4)  # no valid map yet
    for seed in range(5):
        np.random.seed(seed)
        a = crop(dict(img=IMG.copy(), sample_idx=0))
        np.random.seed(seed)
        b = rrc(dict(img=IMG.copy()))
        np.testing.assert_array_equal(a['img'], b['img'])
        assert a['saliency_score'] == 1.0
        x1, y1, x2, y2 = a['crop_box']
        assert 0 <= x1 < x2 <= 96 and 0 <= y1 < y2 <= 96


def test_unguided_records_scores_of_random_crops():
    crop = SaliencyCrop(32, guided=False)
    crop.store = _hot_quadrant_store()
    hit_rate, scores = _centres_in_quadrant(crop)
    assert 0.15 <= hit_rate <= 0.35
    assert scores.min() >= 0 and scores.max() <= 4 + 1e-6
    assert scores.std() > 0.5  # scores vary with where the crop fell


@pytest.mark.parametrize('kwargs,match', [
    (dict(tau=0), 'tau'), (dict(mode='grid'), 'mode'),
    (dict(num_candidates=0), 'num_candidates'),
    (dict(box_threshold=2), 'box_threshold')])
def test_bad_options(kwargs, match):
    with pytest.raises(OptionError, match=match):
        SaliencyCrop(32, **kwargs)


def test_views_keep_and_pack_per_view_keys():
    store = _hot_quadrant_store()
    views = SaliencyMultiView(
        num_views=[2, 1],
        transforms=[[dict(type='SaliencyCrop', scale=32),
                     dict(type='RandomFlip', prob=1.0)],
                    [dict(type='RandomResizedCrop', scale=16)]])
    views.pipelines[0].transforms[0].store = store
    out = views(dict(img=IMG, sample_idx=0))
    assert [im.shape for im in out['img']] == [(32, 32, 3)] * 2 + [
        (16, 16, 3)]
    assert out['saliency_score'].shape == (3, )
    assert out['saliency_score'][2] == 1.0  # plain RRC view: score 1
    assert out['flip'].tolist() == [True, True, False]
    assert np.isnan(out['crop_box'][2]).all()
    packed = PackInputs(algorithm_keys=['saliency_score', 'crop_box'])(out)
    sample = packed['data_samples']
    np.testing.assert_array_equal(sample.saliency_score,
                                  out['saliency_score'])
    assert sample.crop_box.shape == (3, 4)
    assert sample.sample_idx == 0


def test_candidate_bank_matches_random_resized_crop():
    from mmsal.datasets.transforms.candidates import CandidateBank, to_pixels
    crop = SaliencyCrop(32, crop_ratio_range=(0.2, 1.))
    np.random.seed(0)
    boxes, table = crop.bank.get(120, 160, 7)
    assert boxes.shape == (1024, 4) and table.shape == (1024, 15)
    rrc = RandomResizedCrop(32, crop_ratio_range=(0.2, 1.))
    img = np.zeros((120, 160, 3), np.uint8)
    ref = np.array([rrc.rand_crop_params(img) for _ in range(2000)])
    ref_area = ref[:, 2] * ref[:, 3] / (120 * 160)
    bank_area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    assert abs(bank_area.mean() - ref_area.mean()) < 0.03
    assert abs(np.median(bank_area) - np.median(ref_area)) < 0.04
    # overlaps in cells sum to the box's extent in cells
    np.testing.assert_allclose(table[:, :7].sum(1),
                               (boxes[:, 2] - boxes[:, 0]) * 7, rtol=1e-4)
    # same aspect ratio, other size: the same bank; pixels stay inside
    assert crop.bank.get(60, 80, 7)[0] is boxes
    for box in boxes[:50]:
        x1, y1, x2, y2 = to_pixels(box, 61, 81)
        assert 0 <= x1 < x2 <= 81 and 0 <= y1 < y2 <= 61
    # very wide images of different aspect ratios do not share a bank
    assert crop.bank.get(20, 4000, 7)[0] is not crop.bank.get(20, 2000, 7)[0]
    small = CandidateBank(crop.sample_boxes, size=8, max_banks=2)
    for h in (10, 20, 30):
        small.get(h, 100, 7)
    assert len(small._banks) == 2  # least recently used aspect dropped
