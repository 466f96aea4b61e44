"""What the online saliency update costs, next to the periodic pass, in one
run.

    python -m benchmarks.speed_online [--out online.json] [--quick]

1. Training step of SalSSL without saliency work (A) vs the same step with
   the online update (B: the key crops' feature maps kept, their saliency
   projected into the store grids and blended in, through SaliencyHook's own
   code; one process). Interleaved A/B/B/A; the ratio is the median of the
   paired ratios. Goal: <= 1.02.
2. The periodic mode's amortised cost for comparison: one full refresh pass
   over the demo set at 112 px (as configs/salssl_demo.py) divided by
   ``interval`` epochs of training steps (estimated from A).
"""
import os
import statistics
import tempfile
import time
from types import SimpleNamespace

import numpy as np
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from benchmarks import arg_parser
from benchmarks.speed_cpu import model_cfg, refresh_time
from mmsal.engine import SaliencyHook
from mmsal.progress import Progress
from mmsal.records import write_json
from mmsal.saliency import SaliencyStore
from mmsal.saliency.online import OnlineSaliency


def _samples(batch, size, num_images, rng):
    out = []
    for i in range(batch):
        ds = DataSample(
            metainfo=dict(
                sample_idx=int(rng.integers(num_images)),
                ori_shape=(96, 96),
                flip=rng.random(2) < 0.5))
        x1, y1 = rng.integers(0, 40, 2)
        side = int(rng.integers(40, 96 - max(x1, y1)))
        box = np.array([[x1, y1, x1 + side, y1 + side]] * 2, np.float32)
        ds.set_field(box, 'crop_box')
        ds.set_field(
            rng.uniform(0.3, 3.0, 2).astype(np.float32), 'saliency_score')
        out.append(ds)
    return out


def online_step_times(batch, size, steps, num_images=2000):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = MODELS.build(model_cfg('salssl', 18, 512))
    model.train()
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    hook = SaliencyHook(update='online')
    hook.store = SaliencyStore(num_images, hook.map_size)
    hook.online = OnlineSaliency(num_images, hook.map_size)
    runner = SimpleNamespace(model=model, epoch=hook.warmup_epochs)
    views = [torch.randn(batch, 3, size, size) for _ in range(2)]
    times = {'plain': [], 'online': []}
    bar = Progress(steps + 2, label='steps (rounds)')
    for i in range(steps + 2):
        for kind in ('plain', 'online') if i % 2 == 0 else ('online', 'plain'):
            samples = _samples(batch, size, num_images, rng)
            model.keep_key_maps(kind == 'online')
            start = time.perf_counter()
            loss = model.loss(views, samples)['loss']
            optim.zero_grad()
            loss.backward()
            optim.step()
            if kind == 'online':
                hook.after_train_iter(runner, i, dict(data_samples=samples))
            if i >= 2:
                times[kind].append(time.perf_counter() - start)
        bar.update()
    out = {k: statistics.median(v) for k, v in times.items()}
    out['paired_ratio'] = statistics.median(
        o / p for o, p in zip(times['online'], times['plain']))
    out['writes'] = hook._writes
    return out, model


def main():
    parser = arg_parser(__spec__, __doc__)
    parser.add_argument('--out', help='write the numbers as JSON here')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument(
        '--data-root',
        default=None,
        help='demo data folder (default: a temporary one)')
    parser.add_argument(
        '--interval',
        type=int,
        default=2,
        help='epochs between periodic refreshes (default 2, '
        'as configs/salssl_demo.py)')
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    steps = 4 if args.quick else 30
    t, model = online_step_times(batch=32, size=64, steps=steps)
    root = args.data_root or os.path.join(tempfile.mkdtemp(), 'demo')
    seconds, n = refresh_time(model, root, input_size=112)
    epoch = n / 32 * t['plain']
    result = dict(
        step_plain_s=t['plain'],
        step_online_s=t['online'],
        online_ratio=t['paired_ratio'],
        refresh_s=seconds,
        epoch_s=epoch,
        interval=args.interval,
        periodic_amortised=1 + seconds / (args.interval * epoch))
    print('| measurement | value |\n| --- | --- |')
    print(f"| step, no saliency work | {t['plain'] * 1e3:.0f} ms |")
    print(f"| step with the online update | {t['online'] * 1e3:.0f} ms |")
    print(f"| online / plain (paired median) | {t['paired_ratio']:.3f} |")
    print(f"| periodic: refresh {seconds:.1f} s per {args.interval} epochs "
          f"of {epoch:.1f} s | {result['periodic_amortised']:.3f} |")
    if args.out:
        write_json(args.out, result)
        print(f'speed_online: wrote {args.out}')


if __name__ == '__main__':
    main()
