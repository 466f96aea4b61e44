import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmsal.errors import StoreError
from mmsal.saliency import SaliencyStore


def test_write_get_and_nan_rows_never_stored():
    store = SaliencyStore(3, map_size=4)
    assert store.get(0) is None  # no map yet
    maps = torch.rand(3, 4, 4)
    maps[2, 1, 1] = float('nan')
    assert store.write(maps) == 2
    np.testing.assert_allclose(store.get(1), maps[1].numpy(), atol=1e-3)
    assert store.get(2) is None and store.valid.tolist() == [True, True, False]
    store.write(torch.zeros(1, 4, 4), indices=[0], valid=torch.tensor([False]))
    np.testing.assert_allclose(store.get(0), maps[0].numpy(), atol=1e-3)


def test_state_dict_round_trip_and_mismatch():
    store = SaliencyStore(5, map_size=3)
    store.write(torch.rand(5, 3, 3))
    other = SaliencyStore(5, map_size=3)
    other.load_state_dict(store.state_dict())
    assert other.checksum() == store.checksum()
    assert torch.equal(other.maps, store.maps)
    with pytest.raises(StoreError, match='dataset has 6 images'):
        SaliencyStore(6, map_size=3).load_state_dict(store.state_dict())
    bad = store.state_dict()
    bad['maps'][0, 0, 0] = float('nan')
    with pytest.raises(StoreError, match='NaN'):
        other.load_state_dict(bad)


def test_corrupted_store_is_refused_and_leaves_the_store_as_it_was():
    store = SaliencyStore(5, map_size=3)
    store.write(torch.rand(5, 3, 3))
    saved = store.state_dict()
    saved['maps'][2, 1, 1] = 0.123  # finite, plausible, but not what was saved
    other = SaliencyStore(5, map_size=3)
    with pytest.raises(StoreError, match=r'corrupted .*resume_store=False'):
        other.load_state_dict(saved)
    assert not bool(other.valid.any())  # nothing half-loaded
    assert torch.equal(other.maps, torch.ones(5, 3, 3, dtype=torch.float16))
    old = store.state_dict()  # stores saved before checksums still load
    del old['checksum']
    other.load_state_dict(old)
    assert other.checksum() == store.checksum()


def test_coco_plus_fits_in_64_mb():
    store = SaliencyStore(241690)  # train2017 + unlabeled2017
    assert store.nbytes < 64 * 2**20
    assert store.maps.is_shared() and store.valid.is_shared()


class _ReadsStore(Dataset):

    def __init__(self, store):
        self.store = store

    def __len__(self):
        return len(self.store)

    def __getitem__(self, i):
        m = self.store.get(i)
        return -1.0 if m is None else float(m.mean())


def test_persistent_workers_see_new_maps():
    store = SaliencyStore(8, map_size=2)
    loader = DataLoader(
        _ReadsStore(store),
        batch_size=4,
        num_workers=2,
        persistent_workers=True)
    first = torch.cat(list(loader))
    assert (first == -1).all()  # workers started before any map
    store.write(torch.full((8, 2, 2), 0.25))  # in the main process
    second = torch.cat(list(loader))
    assert torch.allclose(second.float(), torch.full((8, ), 0.25))


def test_duplicate_indices_last_write_wins_with_threads():
    """An image twice in one write (symmetric or multi-crop online updates):
    its last valid row is stored, whatever the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        n, size = 64, 7
        rng = torch.Generator().manual_seed(0)
        indices = torch.randint(0, n, (4096, ), generator=rng)
        maps = torch.rand(len(indices), size, size, generator=rng)
        valid = torch.rand(len(indices), generator=rng) > 0.2
        expected = {}
        for row, i in enumerate(indices.tolist()):
            if valid[row]:
                expected[i] = maps[row]
        for _ in range(3):
            store = SaliencyStore(n, size)
            store.write(maps, valid, indices)
            for i, m in expected.items():
                np.testing.assert_allclose(store.get(i), m.numpy(), atol=1e-3)
            assert store.valid.sum() == len(expected)
    finally:
        torch.set_num_threads(before)


def test_store_for_another_image_list_is_refused():
    from mmsal.saliency.store import image_list_fingerprint

    class Images:

        def __init__(self, paths):
            self.paths = paths

        def __len__(self):
            return len(self.paths)

        def get_data_info(self, i):
            return dict(img_path=self.paths[i])

    paths = [f'img{i}.jpg' for i in range(5)]
    saved = SaliencyStore(5, 3)
    saved.fingerprint = image_list_fingerprint(Images(paths))
    saved.write(torch.rand(5, 3, 3))
    state = saved.state_dict()
    same = SaliencyStore(5, 3)
    same.fingerprint = image_list_fingerprint(Images(list(paths)))
    same.load_state_dict(state)
    assert same.checksum() == saved.checksum()
    reordered = SaliencyStore(5, 3)
    reordered.fingerprint = image_list_fingerprint(Images(paths[::-1]))
    with pytest.raises(StoreError, match='another image list'):
        reordered.load_state_dict(state)
    assert not bool(reordered.valid.any())  # left as it was
    other = [f'other{i}.jpg' for i in range(5)]
    assert image_list_fingerprint(Images(other)) != saved.fingerprint
