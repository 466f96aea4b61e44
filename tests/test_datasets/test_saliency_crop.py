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
    boxes = [[0, 0, 48, 48], [48, 48, 96, 96], [0, 0, 96, 48], [0, 0, 96, 96],
             [6, 6, 18, 18]]
    np.testing.assert_allclose(box_scores(sal, boxes, 96, 96), [4, 0, 2, 1, 4])
    # a box over part of a cell counts that cell by its overlap
    np.testing.assert_allclose(box_scores(sal, [[42, 0, 54, 12]], 96, 96), [2])


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


@pytest.mark.parametrize('kwargs,match',
                         [(dict(tau=0), 'tau'), (dict(mode='grid'), 'mode'),
                          (dict(num_candidates=0), 'num_candidates'),
                          (dict(box_threshold=2), 'box_threshold')])
def test_bad_options(kwargs, match):
    with pytest.raises(OptionError, match=match):
        SaliencyCrop(32, **kwargs)


def test_views_keep_and_pack_per_view_keys():
    store = _hot_quadrant_store()
    views = SaliencyMultiView(
        num_views=[2, 1],
        transforms=[[
            dict(type='SaliencyCrop', scale=32),
            dict(type='RandomFlip', prob=1.0)
        ], [dict(type='RandomResizedCrop', scale=16)]])
    views.pipelines[0].transforms[0].store = store
    out = views(dict(img=IMG, sample_idx=0))
    assert [im.shape for im in out['img']] == [(32, 32, 3)] * 2 + [(16, 16, 3)]
    assert out['saliency_score'].shape == (3, )
    assert out['saliency_score'][2] == 1.0  # plain RRC view: score 1
    assert out['flip'].tolist() == [True, True, False]
    assert np.isnan(out['crop_box'][2]).all()
    packed = PackInputs(algorithm_keys=['saliency_score', 'crop_box'])(out)
    sample = packed['data_samples']
    np.testing.assert_array_equal(sample.saliency_score, out['saliency_score'])
    assert sample.crop_box.shape == (3, 4)
    assert sample.sample_idx == 0


def _crop_stats(boxes, h, w):
    """Relative area and log aspect ratio of ``(N, 4)`` pixel boxes."""
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return bw * bh / (h * w), np.log(bw / bh)


def _max_cdf_gap(a, b):
    """Kolmogorov-Smirnov statistic of two samples."""
    grid = np.union1d(a, b)
    cdf = [
        np.searchsorted(np.sort(x), grid, side='right') / len(x)
        for x in (a, b)
    ]
    return np.abs(cdf[0] - cdf[1]).max()


def test_flat_map_crops_are_distributed_as_random_resized_crop():
    """A flat valid map must not narrow the crop set (a frozen candidate
    bank gave ~1,000 distinct boxes where RandomResizedCrop gives ~19,000)."""
    h = w = 96
    img = np.zeros((h, w, 3), np.uint8)
    store = SaliencyStore(1, map_size=7)
    store.write(torch.full((1, 7, 7), 0.5))  # flat and valid
    crop = SaliencyCrop(8, crop_ratio_range=(0.08, 1.))
    crop.store = store
    rrc = RandomResizedCrop(8, crop_ratio_range=(0.08, 1.))
    n = 20000
    np.random.seed(0)
    ours = np.array(
        [crop(dict(img=img, sample_idx=0))['crop_box'] for _ in range(n)])
    assert np.all(crop(dict(img=img, sample_idx=0))['saliency_score'] == 1)
    ref = []
    for _ in range(n):
        y1, x1, th, tw = rrc.rand_crop_params(img)
        ref.append([x1, y1, x1 + tw, y1 + th])
    ref = np.array(ref, np.float32)
    distinct = len({tuple(b) for b in ours.tolist()})
    distinct_ref = len({tuple(b) for b in ref.tolist()})
    assert distinct >= 0.9 * distinct_ref, (distinct, distinct_ref)
    # scale and aspect-ratio distributions within sampling noise (the KS
    # statistic of two samples of 20k from one law is < 0.02 w.p. ~0.999)
    for a, b in zip(_crop_stats(ours, h, w), _crop_stats(ref, h, w)):
        assert _max_cdf_gap(a, b) < 0.02
    # and the positions too
    for col in (0, 1):
        assert _max_cdf_gap(ours[:, col], ref[:, col]) < 0.02


def test_every_image_size_gets_its_own_crops():
    """A tiny image of one aspect ratio must not fix the boxes of a large
    one of the same ratio."""
    crop = SaliencyCrop(8)
    crop.store = SaliencyStore(2, map_size=7)
    crop.store.write(torch.rand(2, 7, 7))
    np.random.seed(0)
    crop(dict(img=np.zeros((3, 4, 3), np.uint8), sample_idx=0))
    big = np.zeros((480, 640, 3), np.uint8)
    boxes = {
        tuple(crop(dict(img=big, sample_idx=1))['crop_box'])
        for _ in range(300)
    }
    assert len(boxes) > 250


@pytest.mark.parametrize('shape', [(15, 20), (96, 96), (480, 640)])
def test_recorded_score_is_the_score_of_the_box_cropped(shape):
    h, w = shape
    rng = torch.Generator().manual_seed(1)
    store = SaliencyStore(1, map_size=7)
    store.write(torch.rand(1, 7, 7, generator=rng))
    saliency = store.get(0)
    crop = SaliencyCrop(8, crop_ratio_range=(0.08, 1.))
    crop.store = store
    np.random.seed(0)
    for _ in range(200):
        out = crop(dict(img=np.zeros((h, w, 3), np.uint8), sample_idx=0))
        x1, y1, x2, y2 = out['crop_box']
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        assert x1 == int(x1) and y2 == int(y2)  # whole pixels
        expected = box_scores(saliency, [out['crop_box']], h, w)[0]
        assert abs(out['saliency_score'] - expected) < 1e-5


def _take_in_child(drawn, queue):
    queue.put(drawn.take(32, 480, 640, 7, 7)[0])


def test_boxes_drawn_ahead_are_used_once_and_never_shared_with_workers():
    import multiprocessing as mp
    crop = SaliencyCrop(8)
    np.random.seed(0)
    first = crop.drawn.take(32, 480, 640, 7, 7)[0]
    second = crop.drawn.take(32, 480, 640, 7, 7)[0]
    assert not np.array_equal(first, second)  # the block is consumed
    assert len({tuple(b) for b in np.concatenate([first, second])}) > 60
    # a worker forked now must not hand out the parent's remaining boxes
    queue = mp.get_context('fork').Queue()
    child = mp.get_context('fork').Process(
        target=_take_in_child, args=(crop.drawn, queue))
    child.start()
    theirs = queue.get(timeout=60)
    child.join(60)
    ours = crop.drawn.take(32, 480, 640, 7, 7)[0]
    assert not np.array_equal(theirs, ours)
    # the overlaps handed out are those of the boxes handed out
    boxes, ox, oy, area = crop.drawn.take(32, 480, 640, 7, 7)
    from mmsal.datasets.transforms.crop_boxes import cell_overlaps
    ref = cell_overlaps(boxes, 480, 640, 7, 7)
    for a, b in zip((ox, oy, area), ref):
        np.testing.assert_allclose(a, b)
