"""Draw saliency maps and the crops they steer, one row per image, as PNGs.

    python tools/visualize_saliency.py CONFIG CHECKPOINT [--split val]
    python tools/visualize_saliency.py CONFIG CHECKPOINT --from-store
    python tools/visualize_saliency.py CONFIG CHECKPOINT --folder PHOTOS/

Each row: the image | its saliency map as a heat-map overlay (blue low, red
high) | ``--num-crops`` crops sampled by the config's SaliencyCrop exactly as
in training, drawn as boxes with their saliency scores | each crop's region
with its score. Maps are computed by the checkpoint's model with the config's
SaliencyHook settings (as tools/eval_saliency.py does) on the config's
training images (``--split val``: its val split), on any folder of images
(``--folder``), or read from the checkpoint's saliency store
(``--from-store``: the maps training used). Writes
``<out-dir>/<checkpoint name>_<train|val|store|folder>.png`` (``_1.png``,
``_2.png``, ... when the rows need more than one page); an existing file is
never overwritten.
"""
import argparse
import os
import os.path as osp

# tools/ is on sys.path
from eval_saliency import dataset_cfg, hook_cfg, load_stored_maps
from mmengine.config import DictAction

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.config import load_config
from mmsal.errors import UsageError, require_file


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='training config (with SaliencyHook)')
    parser.add_argument('checkpoint', help='training checkpoint')
    parser.add_argument('--split', choices=['train', 'val'], default='train')
    parser.add_argument(
        '--from-store',
        action='store_true',
        help="draw the checkpoint's saliency store")
    parser.add_argument(
        '--folder', help='draw the images of this folder instead')
    parser.add_argument(
        '--num-images',
        type=int,
        default=8,
        help='images spread over the data set (default 8)')
    parser.add_argument(
        '--indices',
        type=int,
        nargs='+',
        help='these images instead of --num-images')
    parser.add_argument(
        '--num-crops',
        type=int,
        default=4,
        help='crops sampled per image (default 4)')
    parser.add_argument(
        '--tile',
        type=int,
        default=160,
        help='tile side in pixels (default 160)')
    parser.add_argument(
        '--per-page', type=int, default=16, help='rows per PNG (default 16)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the crop sampling (default 0)')
    parser.add_argument(
        '--out-dir', help='default: saliency_vis/ next to '
        'the checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def check_args(args):
    require_file(args.checkpoint)
    if args.folder and not osp.isdir(args.folder):
        raise UsageError(f'--folder not found: {args.folder}')
    if args.from_store and (args.folder or args.split != 'train'):
        raise UsageError('--from-store holds maps of the training split only '
                         '(no --folder, no --split val)')
    for name, value, low in (('--num-images', args.num_images,
                              1), ('--num-crops', args.num_crops, 0),
                             ('--tile', args.tile, 32), ('--per-page',
                                                         args.per_page, 1)):
        if value < low:
            raise UsageError(f'{name} must be >= {low}, got {value}')


def find_crop_cfg(obj):
    """The first ``SaliencyCrop`` dict in a config tree, or None."""
    if isinstance(obj, dict):
        if obj.get('type') == 'SaliencyCrop':
            return obj
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for item in obj:
            found = find_crop_cfg(item)
            if found is not None:
                return found
    return None


def out_paths(args, num_rows):
    """The PNG files to write, one per page."""
    out_dir = args.out_dir or osp.join(
        osp.dirname(args.checkpoint), 'saliency_vis')
    mode = ('store'
            if args.from_store else 'folder' if args.folder else args.split)
    stem = f'{osp.splitext(osp.basename(args.checkpoint))[0]}_{mode}'
    pages = -(-num_rows // args.per_page)
    if pages == 1:
        return [osp.join(out_dir, f'{stem}.png')]
    return [osp.join(out_dir, f'{stem}_{k + 1}.png') for k in range(pages)]


def stored_maps(args, dataset, indices):
    maps, valid = load_stored_maps(args.checkpoint, len(dataset))
    return maps[indices], valid[indices]


def computed_maps(args, cfg, dataset, indices):
    import torch
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    from mmsal.engine import SaliencyHook
    from mmsal.saliency.sources import ShuffledMaps
    seed = cfg.get('randomness', {}).get('seed') or 0
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    load_checkpoint(
        model, args.checkpoint, map_location='cpu', logger='silent')
    source = SaliencyHook(**hook_cfg(cfg)).maps  # the config's source
    if getattr(source, 'seed', 0) is None:
        source.seed = seed
    if not isinstance(source, ShuffledMaps):
        return source(model, dataset, indices)
    # shuffled: the permutation is over the whole set, as in training
    maps, valid = source.finish(*source(model, dataset, range(len(dataset))))
    return maps[indices], valid[indices]


def main():
    args = parse_args()
    check_args(args)
    cfg = load_config(args.config, args.cfg_options)

    import cv2
    import numpy as np
    from mmcv.transforms import LoadImageFromFile
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, TRANSFORMS

    from mmsal.datasets import SaliencyCrop
    from mmsal.engine.hooks.saliency_vis_hook import spread_indices
    from mmsal.progress import Progress
    from mmsal.visualization import (column_titles, make_grid, saliency_row,
                                     sample_crops)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    if args.folder:
        dataset = DATASETS.build(
            dict(
                type='CocoScenes',
                data_root=args.folder,
                img_dir='',
                ann_file='',
                pipeline=[]))
    else:
        dataset = DATASETS.build(dataset_cfg(cfg, args.split))
    n = len(dataset)
    indices = args.indices or spread_indices(args.num_images, n)
    bad = [i for i in indices if not 0 <= i < n]
    if bad:
        raise UsageError(f'--indices {bad} out of range: the data set has {n} '
                         'images')
    paths = out_paths(args, len(indices))
    for path in paths:
        refuse_overwrite(path)

    crop_cfg = find_crop_cfg(cfg.train_dataloader.to_dict())
    if crop_cfg is None:
        print('the config has no SaliencyCrop; sampling with its defaults')
        crop = SaliencyCrop(scale=224)
    else:
        crop = TRANSFORMS.build(crop_cfg)
    if args.from_store:
        maps, valid = stored_maps(args, dataset, indices)
    else:
        maps, valid = computed_maps(args, cfg, dataset, indices)

    loader = LoadImageFromFile()
    rng = np.random.default_rng(args.seed)
    rows = []
    bar = Progress(len(indices), enabled=len(indices) >= 50)
    for row, index in enumerate(indices):
        info = dataset.get_data_info(index)
        img = loader(dict(img_path=info['img_path']))['img']
        img = np.ascontiguousarray(img[..., ::-1])  # BGR to RGB
        saliency = maps[row].numpy() if bool(valid[row]) else None
        boxes, scores = sample_crops(crop, img, saliency, args.num_crops, rng)
        rows.append(
            saliency_row(
                img, saliency, boxes, scores, args.tile, label=f'#{index}'))
        if len(indices) < 50:
            print(f'#{index} {osp.basename(info["img_path"])}: '
                  f'{"map" if saliency is not None else "no map"}, crop '
                  f'scores {" ".join(f"{s:.2f}" for s in scores)}')
        bar.update()

    titles = column_titles(args.num_crops)
    os.makedirs(osp.dirname(osp.abspath(paths[0])), exist_ok=True)
    for k, path in enumerate(paths):
        page = rows[k * args.per_page:(k + 1) * args.per_page]
        grid = make_grid(page, titles=titles)
        if not cv2.imwrite(path, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
            raise UsageError(f'could not write {path}')
        print(f'wrote {path} ({grid.shape[1]}x{grid.shape[0]} px, '
              f'{len(page)} image(s))')


if __name__ == '__main__':
    run_cli(main)
