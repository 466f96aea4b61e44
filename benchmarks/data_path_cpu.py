"""CPU cost per image of the data workers, augmenting in the workers or on
the device, against mmpretrain's MoCo v2 pipeline, on real photos.

    python -m benchmarks.data_path_cpu --photos DIR [--out results.json]

Pipelines, each from its shipped config, timed over the same JPEGs (load,
decode, two views, pack) on one core (OpenCV and torch limited to one
thread, as in one data worker):

- ``mmpretrain MoCo v2``: mmpretrain's own ImageNet MoCo v2 recipe
  (mocov2_resnet50_8xb32-coslr-200e_in1k.py), the reference;
- ``mocov2_coco`` / ``salssl_coco`` with ``augment_on=cpu`` (everything in
  the workers) and ``augment_on=device`` (the default: the workers load and
  crop, :class:`mmsal.models.ViewAugmentPreprocessor` does the rest).
  SaliencyCrop reads random valid maps, as after the first refresh.

Rounds interleave the pipelines (rotating the order); a pipeline's cost is
the median over rounds and its ratio to mmpretrain the median of the
per-round ratios. Also reported: what the batched augmentations cost per
image when they run on this CPU (batch 64, two 224-px views), i.e. what the
device takes over.
"""
import glob
import os
import os.path as osp
import statistics
import sys
import time

import cv2
import mmpretrain
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import TRANSFORMS

import mmsal  # noqa: F401
from benchmarks import arg_parser
from mmsal.config import load_config
from mmsal.datasets import SaliencyCrop
from mmsal.models import ViewAugmentPreprocessor
from mmsal.progress import Progress
from mmsal.records import write_json
from mmsal.saliency import SaliencyStore

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MMPRETRAIN_MOCOV2 = osp.join(
    osp.dirname(mmpretrain.__file__), '.mim', 'configs', 'mocov2',
    'mocov2_resnet50_8xb32-coslr-200e_in1k.py')


def pipelines():
    """name -> train pipeline config (list of dicts)."""
    out = {'mmpretrain MoCo v2': Config.fromfile(MMPRETRAIN_MOCOV2)}
    for name in ('mocov2_coco', 'salssl_coco'):
        for where in ('cpu', 'device'):
            out[f'{name}, augment_on={where}'] = load_config(
                osp.join(REPO, 'configs', f'{name}.py'), {'augment_on': where})
    return {k: v.train_dataloader.dataset.pipeline for k, v in out.items()}


def walk(transform):
    """``transform`` and every transform nested in it."""
    yield transform
    for attr in ('transforms', 'pipelines'):
        for child in getattr(transform, attr, None) or []:
            yield from walk(child)


def build(pipeline, store):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        compose = Compose([TRANSFORMS.build(t) for t in pipeline])
    for t in walk(compose):
        if isinstance(t, SaliencyCrop):
            t.store = store
    return compose


def per_image_ms(compose, photos):
    start = time.perf_counter()
    for i, path in enumerate(photos):
        compose(dict(img_path=path, sample_idx=i))
    return (time.perf_counter() - start) / len(photos) * 1e3


def device_ops_ms(augments, reps, batch=64, size=224):
    """ms per image of the recipe's batched ops on this CPU, both views."""
    pre = ViewAugmentPreprocessor(
        view_augments=[augments],
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
        seed=0)
    views = [
        torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8)
        for _ in range(2)
    ]
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        pre(dict(inputs=views, data_samples=None), training=True)
        times.append((time.perf_counter() - start) / batch * 1e3)
    return statistics.median(times)


def main():
    p = arg_parser(__spec__, __doc__)
    p.add_argument('--photos', required=True, help='folder of JPEG photos')
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--out', help='write the numbers as JSON here')
    args = p.parse_args()
    photos = sorted(
        glob.glob(osp.join(args.photos, '*.jpg')) +
        glob.glob(osp.join(args.photos, '*.jpeg')))
    if not photos:
        sys.exit(f'--photos: no .jpg files in {args.photos}')
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    store = SaliencyStore(len(photos), 7)
    store.write(torch.rand(len(photos), 7, 7))
    composed = {k: build(v, store) for k, v in pipelines().items()}
    names = list(composed)
    np.random.seed(0)
    for name in names:  # warm-up: imports, caches
        per_image_ms(composed[name], photos[:2])
    times = {n: [] for n in names}
    bar = Progress(args.rounds * len(names), label='pipeline passes')
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(per_image_ms(composed[name], photos))
            bar.update()
    ref = 'mmpretrain MoCo v2'
    rows = {
        n:
        dict(
            ms_per_image=round(statistics.median(t), 2),
            ratio_to_mmpretrain=round(
                statistics.median(a / b for a, b in zip(t, times[ref])), 3))
        for n, t in times.items()
    }
    augments = load_config(
        osp.join(REPO, 'configs', 'salssl_coco.py'), {
            'augment_on': 'cpu'
        }).view_augment
    print('data_path: batched ops on this CPU ...', flush=True)
    result = dict(
        photos=len(photos),
        rounds=args.rounds,
        machine=f'{torch.backends.cpu.get_cpu_capability()}, '
        f'{os.cpu_count()} cores, 1 thread',
        pipelines=rows,
        batched_ops_on_this_cpu_ms_per_image=round(
            device_ops_ms(list(augments), reps=args.rounds), 2))
    print('| pipeline (two views) | ms / image | vs mmpretrain MoCo v2 |')
    print('|---|---|---|')
    for name, row in rows.items():
        print(f"| {name} | {row['ms_per_image']} | "
              f"{row['ratio_to_mmpretrain']} |")
    print(f"batched ops on this CPU: "
          f"{result['batched_ops_on_this_cpu_ms_per_image']} ms / image")
    if args.out:
        write_json(args.out, result)
        print(f'data_path: wrote {args.out}')


if __name__ == '__main__':
    main()
