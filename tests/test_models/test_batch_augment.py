"""Batched view ops: each one against the CPU transform it replaces, with
the same parameters; their sampled parameters against the CPU transforms'
as distributions; no host sync."""
import collections
import itertools
import os.path as osp
import random

import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomGrayscale
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.datasets.transforms import GaussianBlur
from mmpretrain.registry import TRANSFORMS
from scipy.stats import chi2_contingency, ks_2samp

from mmsal.models.data_preprocessors import (BatchColorJitter, BatchFlip,
                                             BatchGaussianBlur, BatchGrayscale,
                                             BatchSolarize, batch_op)
from mmsal.models.data_preprocessors.batch_augment import (adjust_brightness,
                                                           adjust_contrast,
                                                           adjust_hue,
                                                           adjust_saturation)
from ..conftest import CONFIGS


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


def test_jitter_applies_each_samples_parameters_in_its_order(bgr):
    """Per sample, the batched jitter is mmcv's PIL ops run one by one in the
    sample's drawn order with its factors (and undrawn samples stay): much
    closer than the same ops in the reverse order."""
    n, op = 16, BatchColorJitter(0.6, 0.6, 0.6, 0.2, prob=0.7)
    params = op.draw(n, torch.Generator().manual_seed(2))
    out = op.apply(batch_of(bgr, n), params)
    assert 0 < params['apply'].sum() < n
    ops = [mmcv.adjust_brightness, mmcv.adjust_contrast, mmcv.adjust_color]
    ops.append(mmcv.adjust_hue)

    def replay(i, order):
        img = bgr
        for k in order:
            f = float(params['factors'][k][i])
            img = ops[k](img, f, backend='pillow')
        return np.abs(as_bgr(out[i:i + 1]) - img.astype(np.int16))

    drawn, reverse = [], []
    for i, order in enumerate(params['order'].tolist()):
        if not params['apply'][i]:
            assert (replay(i, []) == 0).all()
            continue
        diff = replay(i, order)  # PIL: uint8 and 8-bit H, S, V each op
        assert diff.mean() < 2 and np.percentile(diff, 99) <= 15, i
        drawn.append(diff.mean())
        reverse.append(replay(i, order[::-1]).mean())
    assert 3 * np.mean(drawn) < np.mean(reverse)


def test_hsv_round_trip_and_zero_shift():
    from mmsal.models.data_preprocessors.batch_augment import (hsv_to_rgb,
                                                               rgb_to_hsv)
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    x[0] = 0.5  # grey: no hue
    assert torch.allclose(hsv_to_rgb(*rgb_to_hsv(x)), x, atol=1e-5)
    y = adjust_hue(x * 255, torch.zeros(4))
    assert torch.allclose(y, x * 255, atol=1e-3)


@pytest.mark.parametrize('cfg', [
    dict(radius=0),
    dict(magnitude_range=(0., 0.), magnitude_std='inf'),
])
def test_blur_sigma_zero_is_no_blur(bgr, cfg):
    """PIL's GaussianBlur(radius=0) returns the image as it was."""
    cpu = GaussianBlur(prob=1., **cfg)(dict(img=bgr.copy()))['img']
    assert (cpu == bgr).all()
    op = batch_op(dict(type='GaussianBlur', prob=1., **cfg))
    x = batch_of(bgr, 2)
    assert torch.equal(op(x.clone()), x)
    # a drawn sigma of 0 next to a real one (magnitude_range from 0)
    params = dict(
        apply=torch.ones(2, dtype=bool), sigma=torch.tensor([0., 1.]))
    out = BatchGaussianBlur((0., 2.), prob=1.).apply(x, params)
    assert torch.equal(out[0], x[0]) and out.isfinite().all()
    assert (out[1] - x[1]).abs().mean() > 3


@pytest.mark.parametrize('color_format', ['bgr', 'rgb'])
def test_grayscale_weights_for_either_color_format(bgr, color_format):
    """mmcv weighs the channels in the order the image is stored (BGR, as
    loaded); ``color_format`` only matters for 'hsv'. Unequal weights on
    an image whose channels differ tell a mirrored order apart."""
    cfg = dict(
        type='RandomGrayscale',
        prob=1.,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989),
        color_format=color_format)
    ref = TRANSFORMS.build(cfg)(dict(img=bgr.copy()))['img'].astype(np.int16)
    out = as_bgr(batch_op(cfg)(batch_of(bgr)))
    assert np.abs(out - ref).max() <= 1


def test_ops_do_not_sync_with_the_host(monkeypatch):
    """Every op on a batch without ``nonzero``, ``item``, ``bool()``,
    ``float()``, ``tolist`` or boolean-mask indexing: nothing that would
    make the host wait for the GPU. With CUDA, also under
    ``torch.cuda.set_sync_debug_mode('error')``."""
    ops = [
        BatchColorJitter(0.4, 0.4, 0.4, 0.1, prob=0.8),
        BatchGrayscale(0.5, (0.3, 0.6, 0.1)),
        BatchGaussianBlur((0.1, 2.0), 0.5),
        BatchSolarize(128, 0.5),
        BatchFlip(0.5),
    ]

    def run(device):
        gen = torch.Generator(device).manual_seed(0)
        x = torch.rand(16, 3, 12, 14, generator=gen, device=device) * 255
        for op in ops:
            x = op(x, gen)
            x = x[0] if isinstance(x, tuple) else x
        return x

    def refuse(*args, **kwargs):
        raise AssertionError('host sync')

    for name in ('nonzero', 'item', 'tolist', '__bool__', '__float__',
                 '__int__', '__index__'):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    monkeypatch.setattr(torch, 'nonzero', refuse)
    getitem, setitem = torch.Tensor.__getitem__, torch.Tensor.__setitem__

    def no_mask(index):
        index = index if isinstance(index, tuple) else (index, )
        bools = [getattr(i, 'dtype', None) == torch.bool for i in index]
        assert not any(bools), 'host sync: boolean mask index'

    monkeypatch.setattr(torch.Tensor, '__getitem__',
                        lambda t, i: no_mask(i) or getitem(t, i))
    monkeypatch.setattr(torch.Tensor, '__setitem__',
                        lambda t, i, v: no_mask(i) or setitem(t, i, v))
    assert run('cpu').shape == (16, 3, 12, 14)
    monkeypatch.undo()
    if torch.cuda.is_available():
        torch.cuda.set_sync_debug_mode('error')
        try:
            run('cuda')
        finally:
            torch.cuda.set_sync_debug_mode('default')


# The recipe's view augmentations plus BYOL's solarize: parameters sampled
# by the CPU transforms (one image at a time) and by their batched twins
# (one batch of N), compared as distributions (p > 0.1 %, fixed seeds).
N = 2000
ORDERS = {p: i for i, p in enumerate(itertools.permutations(range(4)))}
FACTORS = ('brightness', 'contrast', 'saturation', 'hue')


def recipe_cfgs():
    cfg = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'datasets', 'coco_scenes_mocov2.py'))
    return [dict(t) for t in cfg.view_augment
            ] + [dict(type='Solarize', thr=128, prob=0.2)]


def cpu_draws():
    np.random.seed(0)
    random.seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        apply, grey, blur, flip, sol = map(TRANSFORMS.build, recipe_cfgs())
    jitter = apply.transforms.transforms[0]
    d = collections.defaultdict(list)
    for _ in range(N):  # as each transform draws when it runs
        d['jitter'].append(apply.random_apply())
        if d['jitter'][-1]:
            order, *factors = jitter._rand_params()
            d['order'].append(ORDERS[tuple(order)])
            for k, f in zip(FACTORS, factors):
                d[k].append(f)
        d['grey'].append(grey._random_prob() < grey.prob)
        d['blur'].append(not blur.random_disable())
        if d['blur'][-1]:
            d['sigma'].append(blur.random_magnitude())
        d['flip'].append(flip._choose_direction() == 'horizontal')
        d['solarize'].append(not sol.random_disable())
    return {k: np.array(v) for k, v in d.items()}


def device_draws(cfgs=None):
    gen = torch.Generator().manual_seed(0)
    ops = [batch_op(c) for c in cfgs or recipe_cfgs()]
    jitter, grey, blur, flip, sol = [op.draw(N, gen) for op in ops]
    on, b_on = jitter['apply'].numpy(), blur['apply'].numpy()
    d = dict(
        jitter=on,
        order=[ORDERS[tuple(o)] for o in jitter['order'][on].tolist()],
        grey=grey['apply'],
        blur=b_on,
        sigma=blur['sigma'][b_on],
        flip=flip['apply'],
        solarize=sol['apply'])
    d.update(zip(FACTORS, (f[on] for f in jitter['factors'])))
    return {k: np.asarray(v) for k, v in d.items()}


@pytest.fixture(scope='module')
def draws():
    return cpu_draws(), device_draws()


def p_same(key, cpu, dev):
    """Kolmogorov-Smirnov for a factor; chi-square on a 2 x k table of
    counts for a share or the jitter order (24 categories)."""
    if key in FACTORS + ('sigma', ):
        return ks_2samp(cpu[key], dev[key]).pvalue
    k = 24 if key == 'order' else 2
    counts = [np.bincount(d[key].astype(int), minlength=k) for d in (cpu, dev)]
    return chi2_contingency(counts).pvalue


@pytest.mark.parametrize(
    'key',
    [*FACTORS, 'sigma', 'order', 'jitter', 'grey', 'blur', 'flip', 'solarize'])
def test_sampled_parameters_match_cpu(draws, key):
    assert p_same(key, *draws) > 1e-3


def test_the_parameter_tests_tell_a_wrong_draw(draws):
    """The same tests reject a narrower brightness, a grey share of 0.3
    and one jitter order for the whole batch (kornia's ColorJitter)."""
    cpu, _ = draws
    cfgs = recipe_cfgs()
    cfgs[0]['transforms'][0]['brightness'] = 0.3
    cfgs[1]['prob'] = 0.3
    wrong = device_draws(cfgs)
    wrong['order'][:] = wrong['order'][0]
    for key in ('brightness', 'grey', 'order'):
        assert p_same(key, cpu, wrong) < 1e-3, key
