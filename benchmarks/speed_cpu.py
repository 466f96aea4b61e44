"""Component speed of the method, side by side with MoCo v2, in one run.

    python -m benchmarks.speed_cpu [--out results.json] [--quick]

Three measurements, each as a ratio within this run (absolute times on a
shared 2-core machine drift by 20-30 % between runs):

1. Training step (forward, backward, SGD step; no data loading, no refresh):
   SalSSL vs mmpretrain MoCo at the same backbone, batch and crop size,
   interleaved A/B/B/A; the ratio is the median of the paired ratios.
2. One saliency refresh (the hook's own loader and bf16 encoder pass over
   the demo training set) vs one training epoch of the same run, estimated as
   steps per epoch x median SalSSL step time (no data loading: this
   underestimates the epoch, so the ratio is pessimistic).
3. SaliencyCrop (valid map, 32 candidates) vs RandomResizedCrop per image,
   for a COCO-sized image to 224 px and a demo image to 64 px, interleaved
   blocks of 100 calls; the ratio is the median of the paired ratios.
"""
import os
import statistics
import tempfile
import time

import numpy as np
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmsal  # noqa: F401
from benchmarks import arg_parser
from mmsal.datasets import DemoScenes, SaliencyCrop
from mmsal.engine import SaliencyHook
from mmsal.precision import autocast
from mmsal.progress import Progress
from mmsal.records import write_json
from mmsal.saliency import FullPass, SaliencyStore


def model_cfg(kind, depth, queue_len, momentum=0.01):
    """MoCo v2 (``kind='mocov2'``) or SalSSL with a ResNet of ``depth``."""
    channels = 512 if depth in (18, 34) else 2048
    head = dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2)
    if kind == 'salssl':
        head['type'] = 'SaliencyReweightedContrastiveHead'
    return dict(
        type='SalSSL' if kind == 'salssl' else 'MoCo',
        queue_len=queue_len,
        feat_dim=128,
        momentum=momentum,
        backbone=dict(type='ResNet', depth=depth),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=channels,
            hid_channels=channels,
            out_channels=128),
        head=head)


def _samples(batch, rng):
    out = []
    for _ in range(batch):
        ds = DataSample()
        ds.set_field(
            rng.uniform(0.3, 3.0, 2).astype(np.float32), 'saliency_score')
        out.append(ds)
    return out


def step_times(depth, batch, size, steps, queue_len=1024):
    """Median seconds per training step of MoCo and SalSSL, interleaved."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    models, optims = {}, {}
    for kind in ('moco', 'salssl'):
        models[kind] = MODELS.build(model_cfg(kind, depth, queue_len))
        models[kind].train()
        optims[kind] = torch.optim.SGD(
            models[kind].parameters(), lr=0.01, momentum=0.9)
    views = [torch.randn(batch, 3, size, size) for _ in range(2)]
    samples = _samples(batch, rng)
    times = {k: [] for k in models}
    bar = Progress(steps + 2, label=f'ResNet-{depth} steps (rounds)')
    for i in range(steps + 2):  # two warm-up rounds
        for kind in ('moco', 'salssl') if i % 2 == 0 else ('salssl', 'moco'):
            start = time.perf_counter()
            loss = models[kind].loss(views, samples)['loss']
            optims[kind].zero_grad()
            loss.backward()
            optims[kind].step()
            if i >= 2:
                times[kind].append(time.perf_counter() - start)
        bar.update()
    out = {k: statistics.median(v) for k, v in times.items()}
    out['paired_ratio'] = statistics.median(
        s / m for s, m in zip(times['salssl'], times['moco']))
    return out, models


def refresh_time(model, data_root, input_size, batch_size=64, num_workers=2):
    """Seconds for one refresh pass over DemoScenes, through the hook's own
    code (loader, preprocessor, autocast, encoder)."""
    dataset = DemoScenes(data_root)
    hook = SaliencyHook(
        model_pass=dict(
            input_size=input_size,
            batch_size=batch_size,
            num_workers=num_workers))
    start = time.perf_counter()
    hook.full_pass(model, dataset, range(len(dataset)))
    return time.perf_counter() - start, len(dataset)


def crop_times(shape, out, reps=5, n=200):
    """Median microseconds per image of RandomResizedCrop / SaliencyCrop."""
    from mmpretrain.datasets.transforms import RandomResizedCrop
    img = np.random.default_rng(0).integers(0, 256, shape + (3, ), np.uint8)
    store = SaliencyStore(1, 7)
    store.write(torch.rand(1, 7, 7))
    sal = SaliencyCrop(out, crop_ratio_range=(0.2, 1.), backend='pillow')
    sal.store = store
    rrc = RandomResizedCrop(out, crop_ratio_range=(0.2, 1.), backend='pillow')
    times = {'RandomResizedCrop': [], 'SaliencyCrop': []}
    np.random.seed(0)
    for r in range(reps):
        order = (rrc, sal) if r % 2 == 0 else (sal, rrc)
        for t in order:
            start = time.perf_counter()
            for _ in range(n):
                t(dict(img=img, sample_idx=0))
            times[type(t).__name__].append(
                (time.perf_counter() - start) / n * 1e6)
    out = {k: statistics.median(v) for k, v in times.items()}
    out['paired_ratio'] = statistics.median(
        s / r
        for s, r in zip(times['SaliencyCrop'], times['RandomResizedCrop']))
    return out


def print_table(results):
    """The results as the markdown table of docs/benchmarks.md."""
    print('| measurement | A | B | B / A |\n| --- | --- | --- | --- |')
    for key, r in results.items():
        if key.startswith('step'):
            row = (f"MoCo {r['moco_s'] * 1e3:.0f} ms", f"SalSSL "
                   f"{r['salssl_s'] * 1e3:.0f} ms")
            label = (f"step, ResNet-{r['depth']}, batch {r['batch']}, "
                     f"{r['size']} px")
        elif key == 'refresh_demo':
            row = (f"epoch {r['epoch_s']:.1f} s", f"refresh "
                   f"{r['refresh_s']:.1f} s")
            label = (f"refresh of {r['images']} demo images at "
                     f"{r['input_size']} px vs one epoch")
        elif key == 'refresh_coco':
            row = (f"train {r['train_per_image_s'] * 1e3:.0f} ms/img",
                   f"refresh {r['refresh_per_image_s'] * 1e3:.0f} ms/img")
            label = 'refresh vs epoch, ResNet-50, 224 px (per image)'
        else:
            row = (f"RRC {r['rrc_us']:.0f} us",
                   f"SaliencyCrop {r['saliency_crop_us']:.0f} us")
            label = f"crop {r['image'][1]}x{r['image'][0]} to {r['out']} px"
        print(f'| {label} | {row[0]} | {row[1]} | {r["ratio"]:.3f} |')


def main():
    parser = arg_parser(__spec__, __doc__)
    parser.add_argument('--out', help='write the numbers as JSON here')
    parser.add_argument(
        '--quick', action='store_true', help='fewer repetitions (a smoke run)')
    parser.add_argument(
        '--data-root',
        default=None,
        help='demo data folder (default: a temporary one)')
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    steps = 3 if args.quick else 20
    results = {}

    demo = dict(depth=18, batch=32, size=64)
    t, models = step_times(**demo, steps=steps)
    results['step_demo'] = dict(
        demo, moco_s=t['moco'], salssl_s=t['salssl'], ratio=t['paired_ratio'])

    root = args.data_root or os.path.join(tempfile.mkdtemp(), 'demo')
    seconds, n = refresh_time(models["salssl"], root, input_size=112)
    epoch = n / demo['batch'] * t['salssl']
    results['refresh_demo'] = dict(
        images=n,
        input_size=112,
        refresh_s=seconds,
        epoch_s=epoch,
        ratio=seconds / epoch)

    coco = dict(depth=50, batch=8, size=224)
    t, models = step_times(**coco, steps=max(2, steps // 2), queue_len=512)
    results['step_coco'] = dict(
        coco, moco_s=t['moco'], salssl_s=t['salssl'], ratio=t['paired_ratio'])
    print('speed_cpu: ResNet-50 refresh pass and crop timings ...', flush=True)
    imgs = torch.randn(coco['batch'], 3, 224, 224)
    model = models['salssl'].eval()
    maps_fn = FullPass().maps_fn(model)  # as in a refresh
    start = time.perf_counter()
    reps = 2 if args.quick else 4
    with torch.no_grad(), autocast('auto', 'cpu'):
        for _ in range(reps):
            maps_fn(imgs)
    per_image = (time.perf_counter() - start) / (reps * coco['batch'])
    per_image_train = t['salssl'] / coco['batch']
    results['refresh_coco'] = dict(
        input_size=224,
        refresh_per_image_s=per_image,
        train_per_image_s=per_image_train,
        ratio=per_image / per_image_train)

    for name, shape, out in (('crop_coco', (480, 640), 224), ('crop_demo',
                                                              (96, 96), 64)):
        c = crop_times(shape, out, reps=3 if args.quick else 21, n=100)
        results[name] = dict(
            image=list(shape),
            out=out,
            rrc_us=c['RandomResizedCrop'],
            saliency_crop_us=c['SaliencyCrop'],
            ratio=c['paired_ratio'])

    print_table(results)
    if args.out:
        write_json(args.out, results)
        print(f'speed_cpu: wrote {args.out}')


if __name__ == '__main__':
    main()
