import numpy as np
import pytest
import torch
from PIL import Image

from mmsal.errors import DataError, OptionError
from mmsal.saliency.file_maps import FileMaps
from mmsal.saliency.sources import (CentreMaps, ContrastMaps, OracleMaps,
                                    ShuffledMaps, build_map_source,
                                    derangement)

MODEL_CFG = dict(input_size=32, batch_size=4, num_workers=0)


class Scenes:
    """Images of ``size`` px, one object box each (x1, y1, x2, y2), drawn
    as a bright checkered square on grey when ``root`` is given."""

    def __init__(self, boxes, size=64, root=None):
        self.boxes, self.size = boxes, size
        self.paths = []
        for i, box in enumerate(boxes):
            if root is None:
                continue
            img = np.full((size, size, 3), 128, np.uint8)
            if box is not None:
                x1, y1, x2, y2 = box
                ys, xs = np.mgrid[y1:y2, x1:x2]
                img[y1:y2, x1:x2] = (((xs + ys) // 2) % 2 * 255)[..., None]
            path = str(root / f'{100 + i}.png')
            Image.fromarray(img).save(path)
            self.paths.append(path)

    def __len__(self):
        return len(self.boxes)

    def get_data_info(self, i):
        box = self.boxes[i]
        boxes = np.zeros((0, 4)) if box is None else np.array([box], float)
        info = dict(
            img_id=100 + i, height=self.size, width=self.size, gt_bboxes=boxes)
        if self.paths:
            info['img_path'] = self.paths[i]
        return info


def _peak_cell(m):
    return divmod(int(torch.as_tensor(m).argmax()), m.shape[-1])


def test_oracle_points_at_the_object_and_skips_empty_images():
    scenes = Scenes([(0, 0, 16, 16), (40, 40, 64, 64), None])
    maps, valid = OracleMaps(8)(None, scenes, range(3))
    assert valid.tolist() == [True, True, False]
    assert maps[0, :2, :2].min() == 1 and maps[0, 2:].max() == 0
    assert _peak_cell(maps[1]) == (5, 5)
    assert maps.shape == (3, 8, 8)


def test_oracle_covers_cells_by_their_share():
    # half of cell (0, 0) of a 4x4 map of a 64 px image: x 0..8, y 0..16
    maps, _ = OracleMaps(4)(None, Scenes([(0, 0, 8, 16)]), [0])
    assert maps[0, 0, 0] == 1  # min-max normalised: the only covered cell
    two, _ = OracleMaps(4)(None, Scenes([(0, 0, 24, 16)]), [0])
    assert two[0, 0, 0] == 1 and abs(float(two[0, 0, 1]) - 0.5) < 1e-6


def test_derangement_moves_every_image_and_depends_on_the_seed():
    perm = derangement(50, seed=3)
    assert sorted(perm.tolist()) == list(range(50))
    assert (perm != torch.arange(50)).all()
    assert torch.equal(perm, derangement(50, seed=3))
    assert not torch.equal(perm, derangement(50, seed=4))


def test_shuffled_oracle_gives_each_image_another_images_map():
    boxes = [(0, 0, 16, 16), (48, 0, 64, 16), (0, 48, 16, 64),
             (48, 48, 64, 64)]
    scenes = Scenes(boxes)
    base = OracleMaps(4)
    own, _ = base(None, scenes, range(4))
    shuffled = ShuffledMaps(base, seed=0)
    maps, valid = shuffled.finish(*shuffled(None, scenes, range(4)))
    perm = derangement(4, 0)
    assert torch.equal(maps, own[perm]) and valid.all()
    for i in range(4):  # the peak is now on another image's object
        assert _peak_cell(maps[i]) != _peak_cell(own[i])
    # same statistics: the same maps, in another order
    assert torch.equal(maps.sum(0), own.sum(0))


def test_centre_map_peaks_in_the_middle_and_is_the_same_for_all():
    maps, valid = CentreMaps(7)(None, Scenes([None] * 3), range(3))
    assert valid.all() and torch.equal(maps[0], maps[2])
    assert _peak_cell(maps[0]) == (3, 3)
    assert torch.allclose(maps[0], maps[0].flip(0), atol=1e-6)
    assert maps[0].min() == 0


def test_contrast_map_finds_the_textured_square(tmp_path):
    scenes = Scenes([(8, 40, 24, 56), (40, 8, 56, 24)], root=tmp_path)
    maps, valid = ContrastMaps(
        4, input_size=64, num_workers=0)(None, scenes, range(2))
    assert valid.all()
    assert _peak_cell(maps[0]) == (2, 0) or _peak_cell(maps[0]) == (3, 1)
    assert maps[0, 0, 3] == 0 and maps[1, 3, 0] == 0  # flat grey corners


def test_file_maps_from_a_folder_npz_and_png(tmp_path):
    scenes = Scenes([None, None])
    folder = tmp_path / 'maps'
    folder.mkdir()
    peak = np.zeros((14, 14), np.float32)
    peak[0, 13] = 5
    np.save(folder / '100.npy', peak)  # keyed by img_id
    Image.fromarray(np.uint8(peak[::-1] * 50)).save(folder / '101.png')
    maps, valid = FileMaps(str(folder), map_size=7)(None, scenes, range(2))
    assert valid.all() and maps.shape == (2, 7, 7)
    assert _peak_cell(maps[0]) == (0, 6) and _peak_cell(maps[1]) == (6, 6)
    np.savez(tmp_path / 'maps.npz', **{'100': peak, '101': peak.T})
    source = FileMaps(str(tmp_path / 'maps.npz'), map_size=7)
    maps, _ = source(None, scenes, range(2))
    assert _peak_cell(maps[1]) == (6, 0) and source.native_grid == 14


def test_file_map_missing_or_misshaped_fails_in_one_line(tmp_path):
    scenes = Scenes([None, None])
    np.savez(tmp_path / 'maps.npz', **{'100': np.ones((3, 4, 4))})
    with pytest.raises(DataError) as err:
        FileMaps(str(tmp_path / 'maps.npz'), 7)(None, scenes, [0])
    assert 'image 100' in str(err.value) and '(3, 4, 4)' in str(err.value)
    assert '\n' not in str(err.value)
    with pytest.raises(DataError, match='no map for image 101'):
        FileMaps(str(tmp_path / 'maps.npz'), 7)(None, scenes, [1])
    np.savez(tmp_path / 'nan.npz', **{'100': np.full((4, 4), np.nan)})
    with pytest.raises(DataError, match='image 100 .*NaN'):
        FileMaps(str(tmp_path / 'nan.npz'), 7)(None, scenes, [0])
    with pytest.raises(DataError, match='not found'):
        FileMaps(str(tmp_path / 'absent'), 7)


@pytest.mark.parametrize('source,cfg,match', [
    ('gradcam', None, 'source must be one of'),
    ('centre', dict(radius=2), "source 'centre': bad source_cfg"),
    ('shuffled', dict(of='shuffled'), "cannot be 'shuffled'"),
    ('centre', dict(sigma=0), 'sigma must be > 0'),
])
def test_bad_sources_are_one_line(source, cfg, match):
    with pytest.raises(OptionError, match=match):
        build_map_source(source, 7, MODEL_CFG, cfg)


def test_built_sources_are_static_except_the_model():
    assert not build_map_source('model', 7, MODEL_CFG).static
    assert build_map_source('oracle', 7, MODEL_CFG).static
    shuffled = build_map_source('shuffled', 7, MODEL_CFG, dict(of='oracle'))
    assert shuffled.static and shuffled.seed is None
    assert not build_map_source('shuffled', 7, MODEL_CFG).static
