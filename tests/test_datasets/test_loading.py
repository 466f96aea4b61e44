"""LoadSceneImage on the bad-image set: every odd mode decodes to the right
RGB, tiny and extreme images crop to the right size, unreadable files give a
one-line reason naming the file."""
import numpy as np
import pytest
import torch
from mmpretrain.registry import TRANSFORMS
from PIL import Image

from mmsal.datasets import DataError, LoadSceneImage, decode_image, read_image
from mmsal.errors import OptionError
from mmsal.saliency import SaliencyStore
from .bad_image_set import BAD, BG, BLUE, RED


def _rgb(root, name):
    return read_image(str(root / 'images' / name))


def test_modes_decode_to_the_right_rgb(bad_root):
    gray = _rgb(bad_root, 'gray.png')
    assert gray.shape == (32, 64, 3) and gray.dtype == np.uint8
    np.testing.assert_array_equal(gray[0, :, 1], np.arange(64) * 4)
    assert (gray == gray[..., :1]).all()
    pal = _rgb(bad_root, 'palette.png')
    assert pal[0, 0].tolist() == list(RED)
    assert pal[0, 31].tolist() == list(BLUE)
    pal_t = _rgb(bad_root, 'palette_transparent.png')
    assert pal_t[0, 0].tolist() == list(RED)
    assert pal_t[0, 31].tolist() == list(BG)  # transparent index
    rgba = _rgb(bad_root, 'rgba.png')
    assert rgba[0, 0].tolist() == list(RED)
    assert rgba[0, 16].tolist() == list(BG)  # blue under alpha 0 is gone
    half = np.rint(np.array(BLUE) * 128 / 255 + np.array(BG) * 127 / 255)
    assert rgba[0, 32].tolist() == half.tolist()
    la = _rgb(bad_root, 'la.png')  # grey 255 opaque, then alpha 0 -> BG
    assert la[0, 0].tolist() == [255] * 3 and la[0, 16].tolist() == list(BG)
    cmyk = _rgb(bad_root, 'cmyk.jpg')  # C=0, M=Y=255, K=0 is red
    assert np.abs(cmyk.astype(int) - RED).max() <= 3
    bilevel = _rgb(bad_root, 'bilevel.png')
    assert bilevel.shape == (32, 32, 3) and (bilevel == 255).all()


def test_16_bit_and_float_are_scaled_not_clipped(bad_root):
    g16 = _rgb(bad_root, 'gray16.png')
    assert Image.open(bad_root / 'images' / 'gray16.png').mode == 'I;16'
    row = g16[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255  # the full 0..255 range
    assert (np.diff(row) > 0).all()  # a strict ramp: nothing clipped
    np.testing.assert_allclose(row, np.linspace(0, 255, 64), atol=0.6)
    flt = _rgb(bad_root, 'float.tif')[0, :, 2].astype(int)
    assert flt[0] == 0 and flt[-1] == 255 and (np.diff(flt) > 0).all()


def test_exif_orientation_is_applied(bad_root):
    img = _rgb(bad_root, 'exif_rotated.jpg')
    assert img.shape == (80, 40, 3)  # stored 80 x 40, shown 40 wide
    # the stored top-left block is now top-right
    assert np.abs(img[4:16, 24:36].astype(int) - RED).max() <= 20
    assert img[4:16, 4:16].max() <= 20 and img[64:76, 24:36].max() <= 20


def test_loader_is_a_drop_in_for_mmcv(bad_root):
    from mmcv.transforms import LoadImageFromFile
    path = str(bad_root / 'images' / 'tiny.png')
    ours = LoadSceneImage()(dict(img_path=path, sample_idx=0))
    theirs = LoadImageFromFile()(dict(img_path=path))
    np.testing.assert_array_equal(ours['img'], theirs['img'])  # BGR
    assert ours['img'].flags['C_CONTIGUOUS']
    for key in ('img_shape', 'ori_shape'):
        assert tuple(ours[key]) == tuple(theirs[key]) == (3, 5)
    as_float = LoadSceneImage(to_float32=True)(dict(img_path=path))
    assert as_float['img'].dtype == np.float32


def test_unreadable_reasons(bad_root):
    for name, reason in BAD.items():
        with pytest.raises(DataError, match=reason) as e:
            _rgb(bad_root, name)
        assert str(e.value).startswith(f"{bad_root / 'images' / name}: ")
    with pytest.raises(DataError, match='empty file'):
        decode_image(b'')
    missing = str(bad_root / 'missing.jpg')
    with pytest.raises(DataError, match=f'{missing}: file not found'):
        read_image(missing)


@pytest.mark.parametrize('crop', ['rrc', 'warmup', 'candidates', 'box'])
def test_tiny_and_extreme_images_crop_to_size(crop):
    if crop == 'rrc':
        t = TRANSFORMS.build(dict(type='RandomResizedCrop', scale=16))
    else:
        t = TRANSFORMS.build(
            dict(
                type='SaliencyCrop',
                scale=16,
                mode='box' if crop == 'box' else 'candidates'))
        if crop != 'warmup':
            t.store = SaliencyStore(1, map_size=4)
            t.store.write(torch.rand(1, 4, 4))
    np.random.seed(0)
    for h, w in ((1, 1), (3, 5), (20, 4000), (4000, 20), (1, 4000)):
        img = np.zeros((h, w, 3), np.uint8)
        for _ in range(20):
            out = t(dict(img=img, sample_idx=0))
            assert out['img'].shape == (16, 16, 3), (crop, h, w)
            if 'crop_box' in out:
                x1, y1, x2, y2 = out['crop_box']
                assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h


def test_bad_options_are_one_line():
    for kwargs in (dict(bad_image='ignore'), dict(background=(1, 2)),
                   dict(background=(0, 0, 300))):
        with pytest.raises(OptionError):
            LoadSceneImage(**kwargs)


@pytest.mark.parametrize('mode', ['RGB', 'L'])
def test_plain_jpegs_take_the_fast_decoder_same_pixels(monkeypatch, mode):
    """Complete, upright 8-bit JPEGs are decoded by OpenCV to Pillow's
    pixels; rotated or truncated ones still go through Pillow."""
    import io

    import cv2

    import mmsal.datasets.transforms.loading as loading
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:60, 0:80]
    img = np.stack([x * 3, y * 4,
                    (x + y) * 2], -1) + rng.normal(0, 10, (60, 80, 3))
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    pil.convert(mode).save(buf, 'JPEG', quality=90)
    data = buf.getvalue()
    calls = []
    real = cv2.imdecode
    monkeypatch.setattr(loading.cv2, 'imdecode',
                        lambda *a: calls.append(1) or real(*a))
    fast = decode_image(data)
    assert calls == [1]
    slow = np.asarray(Image.open(io.BytesIO(data)).convert('RGB'))
    assert fast.shape == slow.shape == (60, 80, 3)
    assert np.abs(fast.astype(int) - slow).max() <= 1
    bgr = decode_image(data, bgr=True)
    assert (bgr == fast[..., ::-1]).all()
    # the end-of-image marker missing: Pillow's decode, which fails
    with pytest.raises(DataError, match='truncated'):
        decode_image(data[:len(data) // 2])
    assert calls == [1, 1]  # the bgr call only


def test_rotated_jpeg_goes_through_pillow(bad_root, monkeypatch):
    import mmsal.datasets.transforms.loading as loading
    monkeypatch.setattr(loading.cv2, 'imdecode', None)  # would fail if used
    assert _rgb(bad_root, 'exif_rotated.jpg').ndim == 3


def test_real_photos_decode_as_pillow_does(photos):
    import io
    for path in photos:
        with open(path, 'rb') as f:
            data = f.read()
        ours = decode_image(data)
        pil = Image.open(io.BytesIO(data))
        ref = np.asarray(pil.convert('RGB'))
        assert ours.shape == ref.shape, path
        assert np.abs(ours.astype(int) - ref).max() <= 1, path
