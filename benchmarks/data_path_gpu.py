"""GPU data path: end-to-end training from JPEG files against model-only,
and what channels_last and autocast give, in one run.

    python -m benchmarks.data_path_gpu --workers 16 --out data_path_gpu.json
    python -m benchmarks.data_path_gpu --device cpu --quick     # smoke run

1. Model-only: training images/s (``model.train_step``: preprocessor,
   forward, backward, SGD step) on uint8 views already on the device, for
   mmpretrain's MoCo v2 as its recipe runs it (fp32, views normalised
   before) and for SalSSL from configs/salssl_coco.py (augment_on=device:
   the colour, blur and flip ops run inside the step) with channels_last
   off/on and fp32 / fp16 (AmpOptimWrapper, loss scaling) / bf16 autocast;
   the settings interleave, each figure is a median over steps.
2. End-to-end: the same SalSSL step fed by a DataLoader with ``--workers``
   processes running salssl_coco.py's worker pipeline (LoadSceneImage,
   SaliencyCrop on random valid maps, uint8 out) on COCO-sized JPEGs
   (``--photos``, repeated to ``--images``; synthetic ones if not given),
   with the fastest model-only setting, timed over at least 4x the batches
   the workers can queue, after a warm-up that drains them; its img/s over
   the model-only img/s is the share of the GPU the workers keep busy.
"""
import glob
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.dataset import default_collate
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS, TRANSFORMS

import mmsal  # noqa: F401
from benchmarks import arg_parser
from mmsal.config import load_config
from mmsal.datasets import SaliencyCrop
from mmsal.progress import Progress
from mmsal.records import write_json
from mmsal.saliency import SaliencyStore

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SETTINGS = [(cl, p) for p in ('fp32', 'fp16', 'bf16') for cl in (False, True)]
PREFETCH = 2  # batches each data worker keeps ready (DataLoader's default)


def salssl_config(depth, size):
    cfg = load_config(osp.join(REPO, 'configs', 'salssl_coco.py'))
    if depth != 50:
        cfg.model.backbone.depth = depth
        cfg.model.neck.update(in_channels=512, hid_channels=512)
    views = cfg.train_dataloader.dataset.pipeline[1]['transforms']
    views[0][0]['scale'] = size
    return cfg


def build_model(cfg, kind, channels_last, device):
    model_cfg = dict(cfg.model, channels_last=channels_last)
    if kind == 'mocov2':  # mmpretrain's MoCo, its own preprocessor
        model_cfg = dict(cfg.model, type='MoCo')
        model_cfg.pop('symmetric', None), model_cfg.pop('channels_last', None)
        model_cfg['head'] = dict(
            type='ContrastiveHead',
            loss=dict(type='CrossEntropyLoss'),
            temperature=0.2)
        pre = dict(model_cfg['data_preprocessor'])
        pre.pop('view_augments'), pre.update(type='SelfSupDataPreprocessor')
        model_cfg['data_preprocessor'] = pre
    return MODELS.build(model_cfg).to(device).train()


def optim_wrapper(model, precision):
    optim = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
    if precision == 'fp32':
        return OptimWrapper(optim)
    return AmpOptimWrapper(
        optimizer=optim,
        dtype='float16' if precision == 'fp16' else 'bfloat16',
        loss_scale='dynamic' if precision == 'fp16' else 1.0)


def fake_batch(batch, size, rng, device):
    from mmpretrain.structures import DataSample
    samples = []
    for i in range(batch):
        s = DataSample()
        s.set_field(
            rng.uniform(0.3, 3, 2).astype(np.float32), 'saliency_score')
        s.set_metainfo(dict(flip=np.zeros(2, bool), sample_idx=i))
        samples.append(s)
    views = [
        torch.randint(0, 256, (batch, 3, size, size),
                      dtype=torch.uint8).to(device) for _ in range(2)
    ]
    return dict(inputs=views, data_samples=samples)


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def model_only(cfg, args, device):
    """img/s per setting name, interleaved."""
    rng = np.random.default_rng(0)
    runs = {}
    for kind, cl, prec in [('mocov2', False, 'fp32')] + [
        ('salssl', cl, p) for cl, p in SETTINGS
            if device.type == 'cuda' or p == 'fp32'  # mmengine: AMP on GPUs
    ]:
        model = build_model(cfg, kind, cl, device)
        runs[(kind, cl, prec)] = (model, optim_wrapper(model, prec))
    times = {k: [] for k in runs}
    bar = Progress(args.steps + 2, label='model-only steps (rounds)')
    for i in range(args.steps + 2):  # two warm-up rounds
        keys = list(runs)[i % len(runs):] + list(runs)[:i % len(runs)]
        for key in keys:
            model, wrapper = runs[key]
            data = fake_batch(args.batch, args.size, rng, device)
            sync(device)
            start = time.perf_counter()
            model.train_step(data, wrapper)
            sync(device)
            if i >= 2:
                times[key].append(time.perf_counter() - start)
        bar.update()
    return {k: args.batch / statistics.median(v) for k, v in times.items()}


def synthetic_jpegs(folder, n, rng):
    """COCO-sized JPEGs (640 x 480) of smooth shapes over gradients."""
    paths = []
    for i in range(n):
        y, x = np.mgrid[0:480, 0:640]
        img = np.stack([x / 3, y / 2, (x + y) / 5], -1) % 256
        for _ in range(6):
            x0, y0 = rng.integers(0, 560), rng.integers(0, 400)
            img[y0:y0 + 80, x0:x0 + 80] = rng.integers(0, 256, 3)
        path = osp.join(folder, f'{i:05d}.jpg')
        cv2.imwrite(path, img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


class Files(torch.utils.data.Dataset):

    def __init__(self, paths, pipeline):
        self.paths, self.pipeline = paths, pipeline

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.pipeline(dict(img_path=self.paths[i], sample_idx=i))


def worker_init(_):
    cv2.setNumThreads(0)  # as mmengine's runtime sets it: one core each


def batches(loader):
    while True:  # epoch after epoch
        yield from loader


def end_to_end(cfg, setting, paths, args, device):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        pipeline = Compose([
            TRANSFORMS.build(t) for t in cfg.train_dataloader.dataset.pipeline
        ])
    store = SaliencyStore(len(paths), 7)
    store.write(torch.rand(len(paths), 7, 7))
    for view in pipeline.transforms[1].pipelines:
        for t in view.transforms:
            if isinstance(t, SaliencyCrop):
                t.store = store
    loader = torch.utils.data.DataLoader(
        Files(paths, pipeline),
        batch_size=args.batch,
        shuffle=True,
        num_workers=args.workers,
        collate_fn=default_collate,
        pin_memory=device.type == 'cuda',
        drop_last=True,
        persistent_workers=args.workers > 0,
        worker_init_fn=worker_init,
        prefetch_factor=PREFETCH if args.workers > 0 else None)
    _, cl, prec = setting
    model = build_model(cfg, 'salssl', cl, device)
    wrapper = optim_wrapper(model, prec)
    stream = batches(loader)
    # the warm-up drains the batches the workers queued before the first
    # step; the timed steps are many more than the queue can hold, so the
    # rate is the workers' steady rate whenever they are the slower side
    queue = args.workers * PREFETCH
    steps = max(args.e2e_steps, 4 * queue)
    bar = Progress(queue + 3 + steps, label='end-to-end steps')
    for _ in range(queue + 3):
        model.train_step(next(stream), wrapper)
        bar.update()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):  # each step's fetch is timed
        model.train_step(next(stream), wrapper)
        bar.update()
    sync(device)
    return steps * args.batch / (time.perf_counter() - start), steps


def main():
    p = arg_parser(__spec__, __doc__)
    p.add_argument('--device', default='cuda')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=20, help='model-only')
    p.add_argument(
        '--e2e-steps',
        type=int,
        default=100,
        help='end-to-end timed steps (at least 4x the workers\' queue)')
    p.add_argument('--workers', type=int, default=16)
    p.add_argument('--images', type=int, default=2048)
    p.add_argument('--photos', help='folder of JPEGs (default: synthetic)')
    p.add_argument('--quick', action='store_true', help='tiny smoke settings')
    p.add_argument('--out', help='write the numbers as JSON here')
    args = p.parse_args()
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        sys.exit('error: --device cuda but no CUDA GPU is visible')
    depth, args.size = 50, 224
    if args.quick:
        depth, args.size, args.batch, args.steps = 18, 64, 4, 2
        args.e2e_steps = 2
        args.images, args.workers = min(args.images, 16), min(args.workers, 1)
    cfg = salssl_config(depth, args.size)
    ips = model_only(cfg, args, device)
    best = max((k for k in ips if k[0] == 'salssl'), key=ips.get)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        if args.photos:
            found = sorted(glob.glob(osp.join(args.photos, '*.jp*g')))
            if not found:
                sys.exit(f'--photos: no JPEGs in {args.photos}')
            paths = (found * (args.images // len(found) + 1))[:args.images]
        else:
            paths = synthetic_jpegs(tmp, min(args.images, 256), rng)
            paths = (paths * (args.images // len(paths) + 1))[:args.images]
        e2e, e2e_steps = end_to_end(cfg, best, paths, args, device)

    def name(key):
        return (f"{'MoCo v2 (mmpretrain)' if key[0] == 'mocov2' else 'SalSSL'}"
                f", {key[2]}{', channels_last' if key[1] else ''}")

    base = ips[('mocov2', False, 'fp32')]
    result = dict(
        device=(torch.cuda.get_device_name(device)
                if device.type == 'cuda' else 'CPU'),
        depth=depth,
        size=args.size,
        batch=args.batch,
        workers=args.workers,
        cpu_cores=os.cpu_count(),
        photos=bool(args.photos),
        model_only_img_s={
            name(k): round(v, 1)
            for k, v in ips.items()
        },
        best=name(best),
        best_vs_mmpretrain_mocov2=round(ips[best] / base, 3),
        end_to_end_steps=e2e_steps,
        end_to_end_img_s=round(e2e, 1),
        end_to_end_vs_model_only=round(e2e / ips[best], 3))
    print(f"| {result['device']}, ResNet-{depth}, {args.size} px, batch "
          f'{args.batch} | img/s | vs MoCo v2 |\n|---|---|---|')
    for k, v in ips.items():
        print(f'| {name(k)} | {v:.1f} | {v / base:.2f} |')
    print(f'| end to end, {args.workers} workers, {name(best)} | {e2e:.1f} '
          f"| {e2e / base:.2f} ({result['end_to_end_vs_model_only']} of "
          'model-only) |')
    if args.out:
        write_json(args.out, result)
        print(f'data_path: wrote {args.out}')


if __name__ == '__main__':
    main()
