"""Open and fully decode every image of a dataset; list the problem files.

    python tools/check_dataset.py configs/salssl_coco.py
    python tools/check_dataset.py configs/benchmarks/linear_demo.py --split val
    python tools/check_dataset.py data/my_images --out problems.txt

A config: its ``train_dataloader`` (or ``--split val``) dataset is built
with the pipeline emptied, and every listed ``img_path`` is read through the
same file backend (``backend_args`` of the pipeline's loader) and decoder as
``LoadSceneImage``. A folder: the images ``CocoScenes(ann_file='')`` would
list (recursively, the same extensions).

Each problem is printed as ``PATH: error: REASON`` (unreadable: missing,
empty, not an image, truncated, corrupt) or ``PATH: warning: REASON``
(usable but suspicious: smaller than ``--min-size`` px on a side, or an
aspect ratio above ``--max-aspect``). Exit code 1 when any file is
unreadable, else 0; 2 for a usage error.
"""
import argparse
import os.path as osp
import sys
from multiprocessing import get_context

from mmengine.config import DictAction

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.config import load_config
from mmsal.datasets.transforms.loading import UnreadableImageError, read_image
from mmsal.errors import UsageError

LOADERS = ('LoadSceneImage', 'LoadImageFromFile')
CONFIGS = ('.py', '.json', '.yaml', '.yml')


def parse_args():
    parser = argparse.ArgumentParser(
        description='find unreadable and suspicious images of a dataset')
    parser.add_argument('source', help='a config file or an image folder')
    parser.add_argument(
        '--split',
        choices=('train', 'val'),
        default='train',
        help="the config's dataloader to check "
        '(default: train)')
    parser.add_argument('--out', help='also write the problem lines here')
    parser.add_argument(
        '--min-size',
        type=int,
        default=32,
        help='warn below this many pixels on a side '
        '(default: 32)')
    parser.add_argument(
        '--max-aspect',
        type=float,
        default=10.0,
        help='warn above this long / short side ratio '
        '(default: 10)')
    parser.add_argument(
        '--workers',
        type=int,
        default=0,
        help='decode in this many processes (default: 0, '
        'in this one)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, "key=value" pairs')
    return parser.parse_args()


def _empty_pipelines(cfg):
    """A copy of a dataset config with every ``pipeline`` emptied
    (wrappers such as RepeatDataset / ConcatDataset included)."""
    if isinstance(cfg, dict):
        return {
            k: [] if k == 'pipeline' else _empty_pipelines(v)
            for k, v in cfg.items()
        }
    if isinstance(cfg, (list, tuple)):
        return [_empty_pipelines(v) for v in cfg]
    return cfg


def _backend_args(cfg):
    """``backend_args`` of the first image loader in a dataset config."""
    if isinstance(cfg, dict):
        if cfg.get('type') in LOADERS:
            return cfg.get('backend_args')
        items = cfg.values()
    elif isinstance(cfg, (list, tuple)):
        items = cfg
    else:
        return None
    for value in items:
        found = _backend_args(value)
        if found is not None:
            return found
    return None


def dataset_paths(source, split, cfg_options=None):
    """``(image paths, backend_args)`` of a config's split or a folder."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    if osp.isdir(source):
        init_default_scope('mmpretrain')
        dataset = DATASETS.build(
            dict(
                type='CocoScenes',
                data_root=source,
                img_dir='',
                ann_file='',
                check_files=False,
                pipeline=[]))
        backend_args = None
    else:
        cfg = load_config(source, cfg_options)
        loader = cfg.get(f'{split}_dataloader')
        if not loader or 'dataset' not in loader:
            raise UsageError(f'{source} has no {split}_dataloader with a '
                             'dataset; pass a config with one, or --split')
        init_default_scope(cfg.get('default_scope', 'mmpretrain'))
        dataset_cfg = loader['dataset'].to_dict() if hasattr(
            loader['dataset'], 'to_dict') else dict(loader['dataset'])
        backend_args = _backend_args(dataset_cfg)
        dataset = DATASETS.build(_empty_pipelines(dataset_cfg))
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    paths = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if 'img_path' not in info:
            raise UsageError(f'{source}: sample {i} of the {split} dataset '
                             'has no img_path; only image datasets can be '
                             'checked')
        paths.append(info['img_path'])
    return paths, backend_args


def check_image(job):
    """``(path, kind, reason)`` problems of one image: kind is 'error' or
    'warning'."""
    path, backend_args, min_size, max_aspect = job
    try:
        img = read_image(path, backend_args)
    except UnreadableImageError as e:
        return [(path, 'error', e.reason)]
    h, w = img.shape[:2]
    problems = []
    if min(h, w) < min_size:
        problems.append((path, 'warning', f'small image {w}x{h} (under '
                         f'{min_size} px on a side)'))
    if max(h, w) / min(h, w) > max_aspect:
        problems.append((path, 'warning', f'extreme aspect ratio {w}x{h} '
                         f'({max(h, w) / min(h, w):.1f}:1, over '
                         f'{max_aspect:g}:1)'))
    return problems


def scan(paths, backend_args, min_size, max_aspect, workers=0):
    """Problems of every image, in dataset order, with a progress bar."""
    from mmsal.progress import Progress
    jobs = [(p, backend_args, min_size, max_aspect) for p in paths]
    bar = Progress(len(jobs))
    problems = []
    if workers > 0:
        with get_context('spawn').Pool(workers) as pool:
            for found in pool.imap(check_image, jobs, chunksize=16):
                problems += found
                bar.update()
    else:
        for job in jobs:
            problems += check_image(job)
            bar.update()
    return problems


def main():
    args = parse_args()
    if not osp.exists(args.source):
        raise UsageError(f'config file or image folder not found: '
                         f'{args.source}')
    if args.min_size < 1 or not args.max_aspect >= 1 or args.workers < 0:
        raise UsageError('--min-size must be >= 1, --max-aspect >= 1 and '
                         '--workers >= 0')
    if not osp.isdir(args.source) and not args.source.endswith(CONFIGS):
        raise UsageError(f'{args.source} is neither an image folder nor a '
                         f'config file ({", ".join(CONFIGS)})')
    refuse_overwrite(args.out, f'--out {args.out}')
    paths, backend_args = dataset_paths(args.source, args.split,
                                        args.cfg_options)
    print(f'checking {len(paths)} image(s) of {args.source}', flush=True)
    problems = scan(paths, backend_args, args.min_size, args.max_aspect,
                    args.workers)
    lines = [f'{path}: {kind}: {reason}' for path, kind, reason in problems]
    for line in lines:
        print(line)
    errors = len({p for p, kind, _ in problems if kind == 'error'})
    warned = len({p for p, kind, _ in problems if kind == 'warning'})
    print(
        f'checked {len(paths)} image(s): {errors} unreadable, {warned} '
        'suspicious',
        flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        print(f'{len(lines)} problem line(s) written to {args.out}')
    if errors:
        sys.exit(1)


if __name__ == '__main__':
    run_cli(main)
