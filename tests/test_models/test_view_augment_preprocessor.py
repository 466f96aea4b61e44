"""ViewAugmentPreprocessor: same view statistics as the CPU pipeline, flips
recorded for the crop records, per-rank parameters, no augmentation outside
training."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from mmsal.errors import OptionError
from mmsal.models.data_preprocessors import ViewAugmentPreprocessor
from mmsal.models.data_preprocessors import \
    view_augment_preprocessor as vap_module
from ..conftest import CONFIGS
from .test_batch_augment import bgr  # noqa: F401  (fixture)

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def recipe_augment():
    """The COCO recipes' view augmentations (colour jitter, grayscale, blur,
    flip), as configured."""
    cfg = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'datasets', 'coco_scenes_mocov2.py'))
    return [dict(t) for t in cfg.view_augment]


def view_stats(rgb):
    """Per image ``(N, 3, H, W)`` float RGB: mean and spread of the grey
    level, mean saturation, high-frequency energy (blur) and whether it
    is grey."""
    grey = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    sat = rgb.max(1)[0] - rgb.min(1)[0]
    energy = (grey[:, :, 1:] - grey[:, :, :-1]).abs().mean((1, 2))
    return dict(
        brightness=grey.mean((1, 2)),
        contrast=grey.std((1, 2)),
        saturation=sat.mean((1, 2)),
        sharpness=energy,
        grey=(sat.amax((1, 2)) <= 2).float())


def ks(a, b):
    """Two-sample Kolmogorov-Smirnov statistic."""
    a, b = np.sort(a.numpy()), np.sort(b.numpy())
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side='right') / len(a)
    fb = np.searchsorted(b, grid, side='right') / len(b)
    return np.abs(fa - fb).max()


def test_device_path_matches_cpu_statistics(bgr):  # noqa: F811
    """300 views through the CPU transforms and 300 through the batched
    ops, from one image: each statistic's distribution agrees (KS < 0.13,
    the 1 % level), and so do the shares of grey and mirrored views."""
    compare_paths(bgr)


def test_device_path_matches_cpu_on_a_real_photo(photos):
    """The same on a real photo (MMSAL_PHOTOS), scaled to 96 px."""
    import cv2
    img = cv2.imread(photos[0])
    compare_paths(cv2.resize(img, (96, 96), interpolation=cv2.INTER_AREA))


def compare_paths(bgr):  # noqa: F811
    n = 300
    augment = recipe_augment()
    np.random.seed(0)
    random.seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cpu = Compose([TRANSFORMS.build(t) for t in augment])
    cpu_views = [cpu(dict(img=bgr.copy()))['img'] for _ in range(n)]
    cpu_rgb = torch.from_numpy(np.stack(cpu_views)[..., ::-1].copy()).permute(
        0, 3, 1, 2).float()
    pre = ViewAugmentPreprocessor(view_augments=[augment], to_rgb=True, seed=0)
    batch = torch.from_numpy(bgr).permute(2, 0, 1)[None].repeat(n, 1, 1, 1)
    samples = [DataSample() for _ in range(n)]
    out = pre(dict(inputs=[batch], data_samples=samples), training=True)
    dev_rgb = out['inputs'][0]
    cpu_s, dev_s = view_stats(cpu_rgb), view_stats(dev_rgb)
    for key in ('brightness', 'contrast', 'saturation', 'sharpness'):
        assert ks(cpu_s[key], dev_s[key]) < 0.13, key
    assert abs(cpu_s['grey'].mean() - dev_s['grey'].mean()) < 0.08
    # mirrored: closer to the flipped original than to the original
    orig = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1).float()

    def mirrored(views):
        d_same = (views - orig).abs().mean((1, 2, 3))
        d_flip = (views - orig.flip(-1)).abs().mean((1, 2, 3))
        return d_flip < d_same

    cpu_flip, dev_flip = mirrored(cpu_rgb), mirrored(dev_rgb)
    assert abs(cpu_flip.float().mean() - dev_flip.float().mean()) < 0.1
    recorded = torch.as_tensor([bool(s.flip[0]) for s in out['data_samples']])
    assert (recorded == dev_flip).float().mean() > 0.97


def test_flips_recorded_per_view_and_xor_worker_flips():
    """Only a flip on the device: the output is the normalised input,
    mirrored exactly where the sample's ``flip[view]`` says, XOR the
    worker's own flip."""
    n = 32
    pre = ViewAugmentPreprocessor(
        view_augments=[[dict(type='RandomFlip', prob=0.5)]],
        mean=MEAN,
        std=STD,
        to_rgb=True,
        seed=3)
    views = [torch.randint(0, 256, (n, 3, 8, 10), dtype=torch.uint8)] * 2
    worker_flip = np.array([[True, False]] * n)
    samples = []
    for i in range(n):
        s = DataSample()
        s.set_metainfo(dict(flip=worker_flip[i]))
        samples.append(s)
    out = pre(dict(inputs=views, data_samples=samples), training=True)
    plain = ViewAugmentPreprocessor(
        mean=MEAN, std=STD, to_rgb=True)(
            dict(inputs=views, data_samples=None), training=True)['inputs']
    drawn = []
    for v in range(2):
        device = torch.tensor([
            bool(s.flip[v]) ^ bool(worker_flip[i, v])
            for i, s in enumerate(out['data_samples'])
        ])
        assert 6 <= device.sum() <= 26
        want = torch.where(device[:, None, None, None], plain[v].flip(-1),
                           plain[v])
        assert torch.equal(out['inputs'][v], want)
        drawn.append(device)
        # the loader's batch is left as the workers made it
        assert [bool(s.flip[v]) for s in samples] == worker_flip[:, v].tolist()
    assert not torch.equal(*drawn)  # the two views drew their own flips


def test_eval_passes_through_and_ranks_differ(monkeypatch):
    x = [torch.randint(0, 256, (16, 3, 6, 6), dtype=torch.uint8)]
    augment = [dict(type='ColorJitter', brightness=0.4)]
    pre = ViewAugmentPreprocessor(
        view_augments=[augment], mean=MEAN, std=STD, to_rgb=True)
    plain = ViewAugmentPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    data = dict(inputs=x, data_samples=None)
    assert torch.equal(pre(data)['inputs'][0], plain(data)['inputs'][0])
    torch.manual_seed(5)
    rank0 = pre(data, training=True)['inputs'][0]
    monkeypatch.setattr(vap_module, 'get_rank', lambda: 1)
    torch.manual_seed(5)
    rank1 = ViewAugmentPreprocessor(
        view_augments=[augment], mean=MEAN, std=STD, to_rgb=True)(
            data, training=True)['inputs'][0]
    assert not torch.allclose(rank0, rank1)
    # the generator goes on: the next step draws new parameters, and float
    # inputs are not changed in place
    step2 = pre(data, training=True)['inputs'][0]
    assert not torch.allclose(rank0, step2)
    for to_rgb in (True, False):
        floats = dict(inputs=[x[0].float()], data_samples=None)
        before = floats['inputs'][0].clone()
        ViewAugmentPreprocessor(
            view_augments=[augment], mean=MEAN, std=STD, to_rgb=to_rgb)(
                floats, training=True)
        assert torch.equal(floats['inputs'][0], before)


def test_float32_under_autocast_and_bgr_out():
    """mmengine runs the preprocessor inside the optimizer's autocast
    (--amp): every op (the blur is a conv) still runs in float32, with the
    same result. ``to_rgb=False``: the same augmented views, in BGR."""
    x = [torch.randint(0, 256, (8, 3, 12, 12), dtype=torch.uint8)]
    augment = [
        dict(type='ColorJitter', brightness=0.4, saturation=0.4, hue=0.1),
        dict(
            type='GaussianBlur',
            magnitude_range=(0.1, 2.0),
            magnitude_std='inf',
            prob=1.0),
    ]

    def run(to_rgb=True, autocast=False):
        pre = ViewAugmentPreprocessor(
            view_augments=[augment],
            mean=MEAN if to_rgb else MEAN[::-1],
            std=STD if to_rgb else STD[::-1],
            to_rgb=to_rgb,
            seed=4)
        with torch.autocast('cpu', torch.bfloat16, enabled=autocast):
            return pre(
                dict(inputs=x, data_samples=None), training=True)['inputs'][0]

    reference = run()
    under_amp = run(autocast=True)
    assert under_amp.dtype == torch.float32
    assert torch.equal(under_amp, reference)
    assert torch.allclose(run(to_rgb=False), reference[:, [2, 1, 0]])


@pytest.mark.parametrize('augment, match', [
    ([dict(type='Resize', scale=8)], 'Resize has no batched twin'),
    ([dict(type='RandomGrayscale', prob=0.2)], 'keep_channels=True'),
    ([dict(type='Solarize', magnitude_range=(0, 256))], 'fixed thr'),
    ([dict(type='RandomFlip', prob=0.5, direction='vertical')
      ], "direction='horizontal'"),
    ([dict(type='ColorJitter', brightness=0.4, backend='cv2')
      ], "backend='cv2'"),
    ([dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std=1)
      ], 'magnitude_std=1'),
])
def test_unsupported_transforms_named(augment, match):
    with pytest.raises(OptionError, match=match):
        ViewAugmentPreprocessor(view_augments=[augment])


def test_salssl_step_under_the_optimizer_autocast():
    """A SalSSL training step with salssl_coco's device augmentation inside
    a bf16 optimizer context (as AmpOptimWrapper on a GPU): it runs, and
    the views reach the backbone normalised float32."""
    from contextlib import contextmanager

    from mmengine.optim import OptimWrapper
    from mmpretrain.registry import MODELS

    from mmsal.config import load_config

    class Bf16Wrapper(OptimWrapper):

        @contextmanager
        def optim_context(self, model):
            with super().optim_context(model), torch.autocast(
                    'cpu', torch.bfloat16):
                yield

    cfg = load_config(osp.join(CONFIGS, 'salssl_coco.py'))
    model_cfg = dict(
        cfg.model,
        backbone=dict(type='ResNet', depth=18),
        queue_len=16,
        neck=dict(cfg.model.neck, in_channels=512, hid_channels=16))
    model = MODELS.build(model_cfg)
    seen = []
    model.backbone.register_forward_pre_hook(
        lambda _, args: seen.append(args[0].dtype))
    wrapper = Bf16Wrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    samples = []
    for i in range(4):
        s = DataSample()
        s.set_field(np.ones(2, np.float32), 'saliency_score')
        s.set_metainfo(dict(flip=np.zeros(2, bool), sample_idx=i))
        samples.append(s)
    views = [torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)] * 2
    log = model.train_step(dict(inputs=views, data_samples=samples), wrapper)
    assert torch.isfinite(log['loss']) and seen[0] == torch.float32
