"""Online saliency: crop maps projected into the store grid, blended per
covered cell, shared between ranks."""
import os

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from mmsal.saliency import SaliencyStore
from mmsal.saliency.online import OnlineSaliency, crop_to_cells
from mmsal.saliency.ranks import gather_measurements
from ..conftest import free_port


def gather_and_apply(online, store, indices, crop_maps, values, covered):
    """One step as SaliencyHook runs it: gather every rank's measurements,
    apply them all, write the store."""
    step = gather_measurements(
        dict(
            indices=indices,
            crop_means=crop_maps.abs().mean((1, 2)),
            values=values,
            covered=covered))
    maps, valid = online.apply(**step)
    return store.write(maps, valid, step['indices'])


def test_planted_map_updates_exactly_the_cells_under_the_box():
    # 70x70 image, 7x7 grid: cell centres at 5, 15, ..., 65 px.
    # Crop box x 20..50, y 10..40 covers centre columns 25, 35, 45 (cells
    # 2-4) and rows 15, 25, 35 (cells 1-3).
    crop = torch.tensor([[[1., 2., 3.]]]).expand(1, 3, 3).clone()  # by column
    box = torch.tensor([[20., 10., 50., 40.]])
    size = torch.tensor([[70, 70]])
    values, covered = crop_to_cells(crop, box, torch.tensor([False]), size, 7)
    expected = torch.zeros(7, 7, dtype=torch.bool)
    expected[1:4, 2:5] = True
    assert torch.equal(covered[0], expected)
    # a 3-wide crop map sampled at the three covered column centres
    np.testing.assert_allclose(values[0, 2, 2:5], [1., 2., 3.], atol=1e-6)
    assert float(values[0][~expected].abs().sum()) == 0
    # the crop was mirrored before the encoder saw it: read it mirrored
    values, covered = crop_to_cells(crop, box, torch.tensor([True]), size, 7)
    assert torch.equal(covered[0], expected)
    np.testing.assert_allclose(values[0, 2, 2:5], [3., 2., 1.], atol=1e-6)


def test_blend_keeps_uncovered_cells_and_normalises_seen_ones():
    online = OnlineSaliency(2, 3, momentum=0.5)
    first = torch.tensor([[[2., 4., 0.], [0., 0., 0.], [0., 0., 0.]]])
    mask = torch.zeros(1, 3, 3, dtype=torch.bool)
    mask[0, 0, :2] = True
    maps, valid = online.update(torch.tensor([1]), first, mask)
    assert bool(valid[0]) and not bool(online.seen[0].any())
    # seen cells min-max normalised; unseen cells get the seen mean (0.5)
    np.testing.assert_allclose(maps[0, 0, :2], [0., 1.])
    np.testing.assert_allclose(maps[0, 1:], 0.5)
    # a second crop covers cell (0,1) and a new cell (1,1)
    second = torch.tensor([[[0., 8., 0.], [0., 6., 0.], [0., 0., 0.]]])
    mask = torch.zeros(1, 3, 3, dtype=torch.bool)
    mask[0, 0, 1] = mask[0, 1, 1] = True
    online.update(torch.tensor([1]), second, mask)
    raw = online.raw[1].float()
    assert float(raw[0, 0]) == 2.0  # not covered: kept
    assert float(raw[0, 1]) == 6.0  # 0.5 * 4 + 0.5 * 8
    assert float(raw[1, 1]) == 6.0  # first measurement taken as is
    assert int(online.seen[1].sum()) == 3
    state = online.state_dict()
    other = OnlineSaliency(2, 3)
    other.load_state_dict(state)
    assert torch.equal(other.raw, online.raw)


def test_scale_and_store_write():
    store, online = SaliencyStore(4, 3), OnlineSaliency(4, 3)
    values = torch.rand(2, 3, 3) * 10
    covered = torch.ones(2, 3, 3, dtype=torch.bool)
    written = gather_and_apply(online, store, torch.tensor([3, 0]),
                               torch.full((2, 2, 2), 5.), values, covered)
    assert written == 2 and float(online.scale) == 5.0
    assert store.valid.tolist() == [True, False, False, True]
    got = torch.as_tensor(store.get(3))
    ref = (values[0] - values[0].min()) / (values[0].max() - values[0].min())
    assert torch.allclose(got, ref, atol=2e-3)


def _rank(rank, port, out):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        store, online = SaliencyStore(6, 3), OnlineSaliency(6, 3)
        gen = torch.Generator().manual_seed(rank)
        indices = torch.tensor([rank * 3, rank * 3 + 1])  # different images
        values = torch.rand(2, 3, 3, generator=gen)
        covered = torch.rand(2, 3, 3, generator=gen) > 0.3
        maps = torch.rand(2, 2, 2, generator=gen) + 1
        gather_and_apply(online, store, indices, maps, values, covered)
        torch.save(
            dict(
                checksum=store.checksum(),
                valid=store.valid,
                scale=online.scale), f'{out}/rank{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_two_ranks_updating_different_images_agree(tmp_path):
    mp.start_processes(
        _rank,
        args=(free_port(), str(tmp_path)),
        nprocs=2,
        start_method='fork')
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1))
    assert r0['checksum'] == r1['checksum']
    assert r0['valid'].tolist() == [True, True, False, True, True, False]
    assert float(r0['scale']) == pytest.approx(float(r1['scale']))


def test_random_crops_of_a_known_field_rebuild_its_map():
    """Crops (some mirrored) of an image whose saliency field is known: the
    online grid converges to that field sampled at the cell centres."""
    h, w, size = 60, 90, 5
    ys, xs = np.mgrid[0:h, 0:w] + 0.5
    field = np.exp(-((xs - 70)**2 + (ys - 15)**2) / 400.)  # hot top-right
    rng = np.random.default_rng(0)
    store, online = SaliencyStore(1, size), OnlineSaliency(1, size, 0.5)
    for _ in range(300):
        cw, ch = rng.integers(30, w + 1), rng.integers(20, h + 1)
        x1, y1 = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
        crop = field[y1:y1 + ch, x1:x1 + cw]
        flip = bool(rng.random() < 0.5)
        if flip:
            crop = crop[:, ::-1]
        # the encoder's view of the crop: an 8x8 map of it (area means)
        small = torch.nn.functional.adaptive_avg_pool2d(
            torch.tensor(crop.copy())[None, None].float(), 8)[0]
        values, covered = crop_to_cells(
            small, torch.tensor([[x1, y1, x1 + cw, y1 + ch]]),
            torch.tensor([flip]), torch.tensor([[h, w]]), size)
        gather_and_apply(online, store, torch.tensor([0]), small, values,
                         covered)
    got = torch.as_tensor(store.get(0))
    centres_y = (np.arange(size) + 0.5) * h / size
    centres_x = (np.arange(size) + 0.5) * w / size
    ref = np.exp(-((centres_x[None] - 70)**2 + (centres_y[:, None] - 15)**2) /
                 400.)
    ref = (ref - ref.min()) / (ref.max() - ref.min())
    assert np.unravel_index(int(got.argmax()), got.shape) == (1, 3)
    assert np.unravel_index(int(ref.argmax()), ref.shape) == (1, 3)
    assert np.corrcoef(got.flatten(), ref.flatten())[0, 1] > 0.95


def test_negative_saliency_keeps_a_positive_unit_and_finite_grids():
    """source='similarity' can give crops a negative mean saliency: the unit
    must stay positive and the grids finite, and images keep updating."""
    store, online = SaliencyStore(2, 3), OnlineSaliency(2, 3)
    covered = torch.ones(1, 3, 3, dtype=torch.bool)
    for step in range(20):
        crop = -torch.rand(1, 2, 2) - 0.5  # mean about -1
        values = -torch.rand(1, 3, 3) - 0.5
        values[0, 0, 0] = -0.1  # the least negative cell: the most salient
        gather_and_apply(online, store, torch.tensor([0]), crop, values,
                         covered)
        assert float(online.scale) > 0.4
        assert bool(torch.isfinite(online.raw).all())
    assert online.raw.dtype == torch.float32
    got = store.get(0)
    assert got is not None and np.isfinite(got).all()
    assert np.unravel_index(got.argmax(), got.shape) == (0, 0)


def test_non_finite_cells_are_reset_and_recover():
    online = OnlineSaliency(1, 3)
    covered = torch.ones(1, 3, 3, dtype=torch.bool)
    bad = torch.rand(1, 3, 3)
    bad[0, 1, 1] = float('inf')
    online.update(torch.tensor([0]), bad, covered)
    assert not bool(online.seen[0, 1, 1]) and bool(online.seen[0].sum() == 8)
    assert bool(torch.isfinite(online.raw).all())
    good = torch.rand(1, 3, 3)
    maps, valid = online.update(torch.tensor([0]), good, covered)
    assert bool(online.seen.all()) and bool(valid[0])
    assert float(online.raw[0, 1, 1]) == pytest.approx(float(good[0, 1, 1]))


def test_hybrid_full_pass_and_crops_share_one_unit():
    """A crop that measures exactly what the full pass saw leaves the grid
    unchanged: the full pass is taken in the online unit."""
    rng = torch.Generator().manual_seed(0)
    full = torch.rand(3, 4, 4, generator=rng) * 7 + 2  # raw, not [0, 1]
    online = OnlineSaliency(3, 4, momentum=0.5)
    online.init_from_maps(full, torch.tensor([True, True, False]))
    unit = float(online.scale)
    assert unit == pytest.approx(float(full[:2].abs().mean()))
    before = online.raw.clone()
    store = SaliencyStore(3, 4)
    covered = torch.zeros(1, 4, 4, dtype=torch.bool)
    covered[0, :2, :2] = True
    crop = full[0, :2, :2][None]  # the crop's own raw map at the cells
    values = torch.zeros(1, 4, 4)
    values[0, :2, :2] = full[0, :2, :2]
    gather_and_apply(online, store, torch.tensor([0]), crop, values, covered)
    # the unit moved only slightly towards the crop's own mean
    assert float(online.scale) == pytest.approx(unit, rel=0.05)
    np.testing.assert_allclose(online.raw[0], before[0], rtol=0.05)
    maps, valid = online.normalized_all()
    assert valid.tolist() == [True, True, False]
    ref = (full[1] - full[1].min()) / (full[1].max() - full[1].min())
    np.testing.assert_allclose(maps[1], ref, atol=1e-5)
    for i in range(3):
        m, ok = online.normalized(i)
        np.testing.assert_allclose(maps[i], m, atol=1e-6)
        assert bool(ok) == bool(valid[i])
