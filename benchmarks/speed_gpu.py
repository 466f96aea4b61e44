"""GPU throughput of SalSSL vs MoCo v2 and the cost of a saliency refresh.

    python -m benchmarks.speed_gpu --out gpu.json            # about 3-5 min
    python -m benchmarks.speed_gpu --device cpu --quick      # smoke run

ResNet-50 at 224 px with AMP (fp16 autocast + GradScaler, as
``--amp`` in tools/train.py), batches already on the device (no data
loading): training images per second of mmpretrain's MoCo and of SalSSL with
random crop scores, interleaved in one run; then the time of a saliency
refresh (the hook's encoder pass under bf16/fp16 autocast) per 10,000
images. Prints a markdown table with the device name.
"""
import statistics
import sys
import time

import numpy as np
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmsal  # noqa: F401
from benchmarks import arg_parser
from benchmarks.speed_cpu import model_cfg
from mmsal.precision import autocast
from mmsal.progress import Progress
from mmsal.records import write_json
from mmsal.saliency import FullPass


def build(kind, depth, queue_len, device):
    model = MODELS.build(model_cfg(kind, depth, queue_len, momentum=0.001))
    return model.to(device).train()


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def train_throughput(depth, batch, size, steps, device, amp):
    """Images per second of MoCo and SalSSL, interleaved (median)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(batch):
        ds = DataSample()
        ds.set_field(
            rng.uniform(0.3, 3, 2).astype(np.float32), 'saliency_score')
        samples.append(ds)
    views = [
        torch.randn(batch, 3, size, size, device=device) for _ in range(2)
    ]
    runs = {}
    for kind in ('moco', 'salssl'):
        model = build(kind, depth, queue_len=batch * 64, device=device)
        optim = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
        scaler = torch.amp.GradScaler(
            device.type, enabled=amp and device.type == 'cuda')
        runs[kind] = (model, optim, scaler)
    times = {k: [] for k in runs}
    bar = Progress(steps + 3, label='training steps (rounds)')
    for i in range(steps + 3):  # three warm-up rounds
        for kind in (('moco', 'salssl') if i % 2 else ('salssl', 'moco')):
            model, optim, scaler = runs[kind]
            sync(device)
            start = time.perf_counter()
            with torch.autocast(
                    device.type,
                    dtype=torch.float16
                    if device.type == 'cuda' else torch.bfloat16,
                    enabled=amp):
                loss = model.loss(views, samples)['loss']
            optim.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optim)
            scaler.update()
            sync(device)
            if i >= 3:
                times[kind].append(time.perf_counter() - start)
        bar.update()
    return {k: batch / statistics.median(v) for k, v in times.items()}, runs


def refresh_seconds_per_10k(model, batch, size, reps, device):
    maps_fn = FullPass(input_size=size).maps_fn(model)
    imgs = torch.randn(batch, 3, size, size, device=device)
    model.eval()
    with torch.no_grad(), autocast('auto', device.type):
        maps_fn(imgs)  # warm-up
        sync(device)
        start = time.perf_counter()
        for _ in range(reps):
            maps_fn(imgs)
        sync(device)
    model.train()
    return (time.perf_counter() - start) / (reps * batch) * 10000


def main():
    parser = arg_parser(__spec__, __doc__)
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--steps', type=int, default=30)
    parser.add_argument('--no-amp', action='store_true')
    parser.add_argument(
        '--quick', action='store_true', help='tiny settings, for a smoke run')
    parser.add_argument('--out', help='write the numbers as JSON here')
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        sys.exit('error: --device cuda but no CUDA GPU is visible; use '
                 '--device cpu for a smoke run')
    depth, size, batch, steps = 50, 224, args.batch, args.steps
    if args.quick:
        depth, size, batch, steps = 18, 64, 8, 2
    name = (
        torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU')
    ips, runs = train_throughput(
        depth, batch, size, steps, device, amp=not args.no_amp)
    print('speed_gpu: refresh pass timing ...', flush=True)
    refresh = refresh_seconds_per_10k(
        runs['salssl'][0],
        batch,
        size,
        reps=2 if args.quick else 20,
        device=device)
    result = dict(
        device=name,
        depth=depth,
        size=size,
        batch=batch,
        amp=not args.no_amp,
        moco_img_s=ips['moco'],
        salssl_img_s=ips['salssl'],
        ratio=ips['salssl'] / ips['moco'],
        refresh_s_per_10k=refresh,
        train_s_per_10k=10000 / ips['salssl'])
    print(f'| {name}, ResNet-{depth}, {size} px, batch {batch}, '
          f'AMP {not args.no_amp} | value |\n| --- | --- |')
    print(f"| MoCo v2 train img/s | {ips['moco']:.1f} |")
    print(f"| SalSSL train img/s | {ips['salssl']:.1f} |")
    print(f"| SalSSL / MoCo v2 | {result['ratio']:.3f} |")
    print(f'| refresh, s per 10k images | {refresh:.1f} |')
    print(f"| training, s per 10k images | {result['train_s_per_10k']:.1f} |")
    if args.out:
        write_json(args.out, result)
        print(f'speed_gpu: wrote {args.out}')


if __name__ == '__main__':
    main()
