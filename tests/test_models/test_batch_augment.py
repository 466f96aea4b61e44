"""Batched view ops: each one against the CPU transform it replaces, with
the same parameter, and per-sample parameters within one batch."""
import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomGrayscale
from mmpretrain.datasets.transforms import GaussianBlur

from mmsal.models.data_preprocessors import (BatchColorJitter, BatchFlip,
                                             BatchGaussianBlur, BatchGrayscale,
                                             BatchSolarize)
from mmsal.models.data_preprocessors.batch_augment import (adjust_brightness,
                                                           adjust_contrast,
                                                           adjust_hue,
                                                           adjust_saturation)


@pytest.fixture(scope='module')
def bgr():
    """A 48 x 64 BGR uint8 image with edges, gradients and saturated
    colours (mmcv's channel order, as the workers load it)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:48, 0:64]
    img = np.stack([x * 4, y * 5, (x + y) * 2], -1).astype(np.float64)
    img[10:30, 20:40] = (30, 200, 240)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def batch_of(bgr_img, n=1):
    """The image as the ops see it: float RGB (n, 3, H, W)."""
    rgb = torch.from_numpy(np.ascontiguousarray(bgr_img[..., ::-1]))
    return rgb.permute(2, 0, 1).float()[None].repeat(n, 1, 1, 1)


def as_bgr(batch):
    return batch[0].permute(1, 2, 0).round().clamp(
        0, 255).byte().numpy()[..., ::-1].astype(np.int16)


@pytest.mark.parametrize('factor', [0.6, 1.37])
@pytest.mark.parametrize(
    'ours, theirs, tol',
    [
        (adjust_brightness, mmcv.adjust_brightness, 1),
        # PIL rounds its grey level (mean, pixel) before blending
        (adjust_contrast, mmcv.adjust_contrast, 2),
        (adjust_saturation, mmcv.adjust_color, 2),
    ])
def test_enhancers_match_pil(bgr, factor, ours, theirs, tol):
    out = as_bgr(ours(batch_of(bgr), torch.tensor([factor])))
    ref = theirs(bgr, factor, backend='pillow').astype(np.int16)
    assert np.abs(out - ref).max() <= tol
    assert np.abs(out - bgr).max() > 10  # the factor did something


@pytest.mark.parametrize('shift', [-0.1, 0.05])
def test_hue_matches_mmcv(bgr, shift):
    shift = int(shift * 255) / 255  # mmcv's 8-bit shift
    out = as_bgr(adjust_hue(batch_of(bgr), torch.tensor([shift])))
    ref = mmcv.adjust_hue(bgr, shift, backend='pillow').astype(np.int16)
    diff = np.abs(out - ref)
    # PIL works on 8-bit H, S, V: a few levels apart at most, rarely
    assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 6
    assert np.abs(out - bgr).mean() > 5


def test_grayscale_matches_mmcv(bgr):
    weights_bgr = (0.114, 0.587, 0.2989)
    ref = RandomGrayscale(
        prob=1., keep_channels=True,
        channel_weights=weights_bgr)(dict(img=bgr))['img'].astype(np.int16)
    out = as_bgr(BatchGrayscale(1., weights_bgr[::-1])(batch_of(bgr)))
    assert np.abs(out - ref).max() <= 1  # mmcv truncates, we round
    assert (out == out[..., :1]).all()


@pytest.mark.parametrize('sigma', [0.5, 1.6])
def test_blur_matches_pil(bgr, sigma):
    ref = GaussianBlur(
        radius=sigma, prob=1.)(dict(img=bgr))['img'].astype(np.int16)
    out = as_bgr(BatchGaussianBlur((sigma, sigma), prob=1.)(batch_of(bgr)))
    # PIL approximates the Gaussian with box filters
    assert np.abs(out - ref).mean() < 1.5
    assert np.abs(out - bgr).mean() > 3


def test_solarize_and_flip_exact(bgr):
    ref = mmcv.solarize(bgr, thr=128).astype(np.int16)
    out = as_bgr(BatchSolarize(128, prob=1.)(batch_of(bgr)))
    assert (out == ref).all()
    x, flipped = BatchFlip(1.)(batch_of(bgr))
    assert flipped.all() and (as_bgr(x) == bgr[:, ::-1]).all()


def test_parameters_are_drawn_per_sample(bgr):
    """One batch of 64 copies of an image: every op gives many different
    outputs, in the share of samples its probability says."""
    gen = torch.Generator().manual_seed(0)
    n = 64
    jitter = BatchColorJitter(0.4, 0.4, 0.4, 0.1, prob=0.8)
    means = jitter(batch_of(bgr, n), gen).mean((1, 2, 3))
    untouched = (means == batch_of(bgr).mean()).sum().item()
    assert 4 <= untouched <= 24  # 20 % of 64 = 12.8 expected
    assert len(torch.unique(means)) >= n - untouched - 1
    blurred = BatchGaussianBlur((0.1, 2.0), 0.5)(batch_of(bgr, n), gen)
    changed = (blurred != batch_of(bgr, n)).flatten(1).any(1)
    assert 20 <= changed.sum() <= 44
    energy = (blurred[:, :, :, 1:] - blurred[:, :, :, :-1]).abs().mean(
        (1, 2, 3))
    # sigma near 0.1 hardly blurs: those few can tie
    assert len(torch.unique(energy[changed])) >= changed.sum() - 3


def test_jitter_order_is_random_per_sample():
    """Brightness then contrast differs from contrast then brightness; with
    only those two ops on, both orders occur in one batch."""
    x = torch.linspace(0, 255, 3 * 8 * 8).view(1, 3, 8, 8).repeat(400, 1, 1, 1)
    op = BatchColorJitter(brightness=(0.5, 0.5), contrast=(1.8, 1.8))
    out = op(x.clone(), torch.Generator().manual_seed(1))
    b_then_c = adjust_contrast(
        adjust_brightness(x[:1].clone(), torch.tensor([0.5])),
        torch.tensor([1.8]))
    c_then_b = adjust_brightness(
        adjust_contrast(x[:1].clone(), torch.tensor([1.8])),
        torch.tensor([0.5]))
    first = torch.isclose(out, b_then_c).flatten(1).all(1)
    second = torch.isclose(out, c_then_b).flatten(1).all(1)
    assert (first | second).all()
    assert 150 <= first.sum() <= 250  # half each


def test_hsv_round_trip_and_zero_shift():
    from mmsal.models.data_preprocessors.batch_augment import (hsv_to_rgb,
                                                               rgb_to_hsv)
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    x[0] = 0.5  # grey: no hue
    assert torch.allclose(hsv_to_rgb(*rgb_to_hsv(x)), x, atol=1e-5)
    y = adjust_hue(x * 255, torch.zeros(4))
    assert torch.allclose(y, x * 255, atol=1e-3)
