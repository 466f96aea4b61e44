"""compat.hue: negative hue shifts under numpy 2."""
import numpy as np
import pytest

from mmsal.compat import hue


def _original():
    import mmcv.image.photometric
    return hue.ORIGINAL.get('adjust_hue', mmcv.image.photometric.adjust_hue)


def test_negative_hue_shift():
    import mmcv
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 2] = 255  # BGR
    if np.lib.NumpyVersion(np.__version__) >= '2.0.0':
        with pytest.raises(OverflowError):
            _original()(red, -0.1, backend='cv2')
        assert mmcv.adjust_hue is hue.adjust_hue
    for backend in ('cv2', 'pillow'):
        # red turned a third backwards is blue, a third forwards is green
        assert hue.adjust_hue(red, -1 / 3, backend)[0, 0].argmax() == 0
        assert hue.adjust_hue(red, 1 / 3, backend)[0, 0].argmax() == 1


def test_hue_matches_mmcv_where_mmcv_works():
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), np.uint8)
    for backend in ('cv2', 'pillow'):
        for factor in (0.0, 0.1, 0.5):
            np.testing.assert_array_equal(
                _original()(img, factor, backend=backend),
                hue.adjust_hue(img, factor, backend=backend))


def test_mocov2_color_jitter_runs():
    from mmpretrain.datasets.transforms import ColorJitter
    jitter = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.5)
    rng = np.random.default_rng(1)
    np.random.seed(0)
    for _ in range(40):
        img = rng.integers(0, 256, (8, 8, 3), np.uint8)
        assert jitter(dict(img=img))['img'].shape == (8, 8, 3)
