"""Bad images through the real pipeline: every odd mode decodes right, tiny
and extreme images crop to the right size, unreadable files follow the
``raise`` / ``skip`` policy, and BadImageHook summarises the skips."""
import io
import itertools
import logging
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from mmpretrain.registry import TRANSFORMS
from PIL import Image
from torch.utils.data import DataLoader

from mmsal.datasets import (CocoScenes, DataError, LoadSceneImage,
                            decode_image, read_image)
from mmsal.engine import BadImageHook
from mmsal.errors import OptionError
from mmsal.saliency import SaliencyStore
from mmsal.saliency.store import register_store

BG = (124, 116, 104)  # LoadSceneImage's default background
RED, BLUE = (255, 0, 0), (0, 0, 255)
BAD = {  # unreadable file -> words its reason must contain
    'empty.jpg': 'empty file',
    'not_an_image.jpg': 'not an image',
    'truncated.jpg': 'truncated',
}
GOOD = ('gray.png', 'palette.png', 'palette_transparent.png', 'rgba.png',
        'la.png', 'cmyk.jpg', 'gray16.png', 'float.tif', 'bilevel.png',
        'exif_rotated.jpg', 'one_pixel.png', 'tiny.png', 'wide.jpg',
        'tall.png')
SMALL = ('one_pixel.png', 'tiny.png')  # under 32 px on a side
EXTREME = ('wide.jpg', 'tall.png')  # aspect ratio 200:1
STORE = 'test_bad_images'
_IDS = itertools.count()  # unique logger / message hub names


def write_bad_images(folder):
    """Every case of the bad-image set under ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    # readable cases at least 32 px on a side: only SMALL / EXTREME are odd
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (32, 1))
    Image.fromarray(ramp, 'L').save(folder / 'gray.png')
    pal = Image.new('P', (32, 32))
    pal.putpalette([*RED, *BLUE] + [0] * 762)
    pal.paste(1, (16, 0, 32, 32))  # left half index 0 (red), right 1 (blue)
    pal.save(folder / 'palette.png')
    pal.save(folder / 'palette_transparent.png', transparency=1)
    rgba = np.zeros((32, 48, 4), np.uint8)
    rgba[:, :16] = (*RED, 255)  # opaque red
    rgba[:, 16:32] = (*BLUE, 0)  # transparent: the colour must not show
    rgba[:, 32:] = (*BLUE, 128)  # half-transparent blue
    Image.fromarray(rgba, 'RGBA').save(folder / 'rgba.png')
    Image.fromarray(rgba[..., [0, 3]], 'LA').save(folder / 'la.png')
    Image.new('CMYK', (32, 32), (0, 255, 255, 0)).save(folder / 'cmyk.jpg')
    gray16 = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (32, 1))
    Image.fromarray(gray16).save(folder / 'gray16.png')  # mode I;16
    Image.fromarray(np.tile(np.linspace(0, 1, 32, dtype=np.float32),
                            (32, 1)), 'F').save(folder / 'float.tif')
    Image.new('1', (32, 32), 1).save(folder / 'bilevel.png')
    # EXIF orientation 6 (display = stored turned 90 degrees clockwise):
    # stored 80 wide x 40 high with a red top-left block.
    stored = np.zeros((40, 80, 3), np.uint8)
    stored[:20, :20] = RED
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(folder / 'exif_rotated.jpg', exif=exif,
                                 quality=95)
    Image.new('RGB', (1, 1), (10, 200, 30)).save(folder / 'one_pixel.png')
    Image.new('RGB', (5, 3), (200, 10, 30)).save(folder / 'tiny.png')
    wide = np.random.default_rng(0).integers(0, 256, (20, 4000, 3), np.uint8)
    Image.fromarray(wide).save(folder / 'wide.jpg')
    Image.fromarray(wide.transpose(1, 0, 2).copy()).save(folder / 'tall.png')
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, 'JPEG', quality=90)
    (folder / 'truncated.jpg').write_bytes(buf.getvalue()[:len(buf.getvalue())
                                                          // 2])
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'not_an_image.jpg').write_text('this is not an image\n')
    return folder


@pytest.fixture(scope='module')
def bad_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_images')
    write_bad_images(root / 'images')
    return root


@pytest.fixture
def logs():
    """Records of the current MMLogger (where LoadSceneImage warns)."""
    logger = MMLogger.get_instance(f'test_bad_images_{next(_IDS)}')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    yield SimpleNamespace(logger=logger, records=records)
    logger.removeHandler(handler)


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
        t = TRANSFORMS.build(dict(type='SaliencyCrop', scale=16,
                                  mode='box' if crop == 'box' else
                                  'candidates'))
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
        with pytest.raises(OptionError) as e:
            LoadSceneImage(**kwargs)
        assert '\n' not in str(e.value) and 'LoadSceneImage' in str(e.value)


def _dataset(root, policy, saliency=True, **kwargs):
    if saliency:  # SaliencyCrop reading valid maps (the guided path)
        views = dict(type='SaliencyMultiView', num_views=2, transforms=[[
            dict(type='SaliencyCrop', scale=16, store=STORE, **kwargs),
            dict(type='RandomFlip', prob=0.5)]])
        pack = dict(type='PackInputs',
                    algorithm_keys=['saliency_score', 'crop_box'])
    else:
        crop = TRANSFORMS.build(dict(type='RandomResizedCrop', scale=16,
                                     backend='pillow'))
        views = dict(type='MultiView', num_views=2, transforms=[[crop]])
        pack = dict(type='PackInputs')
    pipeline = [dict(type='LoadSceneImage', bad_image=policy), views, pack]
    # built from mmpretrain's registry: no default scope needed
    ds = CocoScenes(data_root=str(root), img_dir='images', ann_file='',
                    pipeline=[TRANSFORMS.build(t) for t in pipeline])
    if saliency:
        store = SaliencyStore(len(ds), map_size=4)
        store.write(torch.rand(len(ds), 4, 4))
        register_store(STORE, store)
    return ds


def _bad_indices(ds):
    names = [osp.basename(ds.get_data_info(i)['img_path'])
             for i in range(len(ds))]
    return {names.index(n): n for n in BAD}


def _loader_of(ds):
    return ds.pipeline.transforms[0]


def test_raise_names_the_file_and_index(bad_root):
    ds = _dataset(bad_root, 'raise')
    bad = _bad_indices(ds)
    for idx, name in bad.items():
        with pytest.raises(DataError) as e:
            ds[idx]
        msg = str(e.value)
        assert '\n' not in msg and BAD[name] in msg
        assert str(bad_root / 'images' / name) in msg
        assert f'sample_idx {idx}' in msg
    good = [i for i in range(len(ds)) if i not in bad]
    assert len(good) == len(GOOD) and all(
        ds[i]['inputs'][0].shape == (3, 16, 16) for i in good)
    assert _loader_of(ds).skipped == 0


@pytest.mark.parametrize('saliency,kwargs', [(True, {}),
                                             (True, dict(mode='box')),
                                             (False, {})])
def test_skip_yields_valid_samples_and_counts(bad_root, logs, saliency,
                                              kwargs):
    ds = _dataset(bad_root, 'skip', saliency, **kwargs)
    np.random.seed(0)
    for i in range(len(ds)):
        out = ds[i]
        views = out['inputs']
        assert len(views) == 2
        for view in views:
            assert view.shape == (3, 16, 16) and view.dtype == torch.uint8
        if saliency:
            box = out['data_samples'].crop_box
            assert box.shape == (2, 4) and np.isfinite(box).all()
    warned = [r.getMessage() for r in logs.records
              if r.levelno == logging.WARNING]
    assert all('skipped unreadable image' in m for m in warned)
    named = {n for n in BAD for m in warned if osp.join('images', n) in m}
    assert named == set(BAD)  # every bad file was hit and named
    loader = _loader_of(ds)
    assert loader.skipped == len(warned) >= len(BAD)
    assert loader.reset_skipped() == len(warned) and loader.skipped == 0


def _deterministic(ds, good_idx):
    # refetch a known good index, not a random one: exact counts per pass
    ds._rand_another = lambda: good_idx
    return ds


def test_skip_count_survives_dataloader_workers(bad_root):
    ds = _deterministic(_dataset(bad_root, 'skip', saliency=False), 0)
    loader = DataLoader(ds, batch_size=4, num_workers=2,
                        collate_fn=lambda batch: len(batch))
    assert sum(loader) == len(ds)
    assert _loader_of(ds).skipped == len(BAD)  # counted in the workers


def test_hook_logs_epoch_summary_and_resets(bad_root, logs):
    ds = _deterministic(_dataset(bad_root, 'skip', saliency=False), 0)
    hub = MessageHub.get_instance(f'test_bad_images_{next(_IDS)}')
    scalars = []
    runner = SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=ds), logger=logs.logger,
        message_hub=hub, epoch=0, visualizer=SimpleNamespace(
            add_scalars=lambda d, step: scalars.append((step, d))))
    hook = BadImageHook()
    hook.before_train(runner)
    for i in range(len(ds)):
        ds[i]
    hook.after_train_epoch(runner)
    summary = [r.getMessage() for r in logs.records
               if r.getMessage().startswith('BadImageHook')]
    assert len(summary) == 1
    assert 'epoch 1: skipped 3 unreadable image(s) this epoch' in summary[0]
    assert hub.get_scalar('data/skipped_images').current() == 3
    assert scalars == [(1, {'data/skipped_images': 3})]
    assert _loader_of(ds).skipped == 0  # reset for the next epoch
    runner.epoch = 1
    ds[0]
    hook.after_train_epoch(runner)
    last = [r.getMessage() for r in logs.records][-1]
    assert 'epoch 2: skipped 0 unreadable image(s) this epoch' in last
    assert '(3 in total)' in last
    assert hub.get_scalar('data/skipped_images').current() == 0


def test_hook_warns_without_loader(logs):
    ds = SimpleNamespace(pipeline=[dict(type='LoadImageFromFile')])
    runner = SimpleNamespace(train_dataloader=SimpleNamespace(dataset=ds),
                             logger=logs.logger)
    assert BadImageHook().find_loaders(runner) == []
    assert 'no LoadSceneImage' in logs.records[-1].getMessage()
