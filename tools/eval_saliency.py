"""Score saliency maps against ground-truth boxes, next to baselines, and
measure what the crop pairs they steer hold.

    python tools/eval_saliency.py CONFIG CHECKPOINT [--split val] [--out F]
    python tools/eval_saliency.py CONFIG random --split val --source oracle
    python tools/eval_saliency.py CONFIG CHECKPOINT --from-store

Maps come from ``--source`` (default: the config's SaliencyHook source):
``model`` (the checkpoint's network, with the hook's settings; CHECKPOINT
``random`` is the config's model at its random init), ``oracle``,
``contrast``, ``shuffled``, ``centre`` or ``file`` (docs/guidance.md), over
the config's training dataset (``--split val``: its val split: DemoScenes
split='val', CocoScenes val2017), or, with ``--from-store``, read from the
checkpoint's saliency store (training split only). Reports the pointing
game next to a random point, the image centre and the contrast map, the
map's energy in the boxes, the thresholded map box's IoU against a centred
box, the maps' native grid, and ``crops.{random,guided,paired}``: what
``--pairs`` pairs of views drawn by the config's crop with these maps hold.
"""
import argparse

from mmengine.config import DictAction

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.config import load_config
from mmsal.errors import UsageError, require_file
from mmsal.records import json_line, write_json
from mmsal.saliency.sources import SOURCES


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='training config (with SaliencyHook)')
    parser.add_argument('checkpoint', help="training checkpoint, or 'random'")
    parser.add_argument('--split', choices=['train', 'val'], default='train')
    parser.add_argument(
        '--from-store',
        action='store_true',
        help="use the checkpoint's saliency store")
    parser.add_argument(
        '--threshold',
        type=float,
        default=0.5,
        help='map level of the IoU box (default 0.5)')
    parser.add_argument(
        '--source',
        choices=SOURCES,
        help="where the maps come from (default: the config's)")
    parser.add_argument(
        '--source-cfg',
        nargs='+',
        action=DictAction,
        help='the source\'s options, e.g. path=maps.npz (file), of=oracle '
        '(shuffled)')
    parser.add_argument(
        '--pairs',
        type=int,
        default=1000,
        help='crop pairs drawn per crop mode (default 1000; 0: none)')
    parser.add_argument('--out', help='write the scores as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def dataset_cfg(cfg, split):
    ds = dict(cfg.train_dataloader.dataset)
    ds['pipeline'] = []
    if split == 'val':
        if ds.get('type') == 'DemoScenes':
            ds['split'] = 'val'
        elif ds.get('type') == 'CocoScenes':
            ds.update(
                ann_file='annotations/instances_val2017.json',
                img_dir='val2017')
        else:
            raise UsageError(f"--split val: don't know the val split of a "
                             f"{ds.get('type')} dataset")
    return ds


def load_stored_maps(checkpoint, num_images):
    """``(maps, valid)`` of a checkpoint's saliency store, which must hold
    one map per image of the dataset."""
    from mmengine.runner.checkpoint import _load_checkpoint
    saved = _load_checkpoint(
        checkpoint, map_location='cpu').get('saliency_store')
    if saved is None:
        raise UsageError(f'{checkpoint} has no saliency store')
    if len(saved['maps']) != num_images:
        raise UsageError(f'the store has {len(saved["maps"])} maps but the '
                         f'dataset {num_images} images')
    return saved['maps'].float(), saved['valid']


def hook_cfg(cfg):
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'SaliencyHook':
            return {k: v for k, v in hook.items() if k != 'type'}
    return {}


def crop_cfg(cfg):
    """The first SaliencyCrop (or RandomResizedCrop) of the config's
    training pipeline, as a SaliencyCrop config."""
    todo = list(cfg.train_dataloader.dataset.get('pipeline', []))
    while todo:
        t = todo.pop(0)
        if isinstance(t, (list, tuple)):
            todo[:0] = list(t)
        elif isinstance(t, dict):
            if t.get('type') in ('SaliencyCrop', 'RandomResizedCrop'):
                return dict(t, type='SaliencyCrop')
            todo[:0] = list(t.get('transforms', []))
    raise UsageError('--pairs: the config\'s training pipeline has no '
                     'SaliencyCrop or RandomResizedCrop (use --pairs 0)')


def main():
    args = parse_args()
    if args.checkpoint != 'random':
        require_file(args.checkpoint)
    refuse_overwrite(args.out, f'--out {args.out}')
    if args.from_store and args.checkpoint == 'random':
        raise UsageError("--from-store needs a checkpoint, not 'random'")
    if args.from_store and args.split != 'train':
        raise UsageError('--from-store holds maps of the training split only')
    cfg = load_config(args.config, args.cfg_options)

    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import DATASETS, MODELS

    from mmsal.engine import SaliencyHook
    from mmsal.evaluation.crop_pairs import measure_crop_modes
    from mmsal.evaluation.saliency_quality import saliency_quality
    from mmsal.saliency.sources import ContrastMaps
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = DATASETS.build(dataset_cfg(cfg, args.split))
    settings = hook_cfg(cfg)
    if args.source:
        settings.update(source=args.source, update='periodic')
    if args.source_cfg:
        settings['source_cfg'] = dict(args.source_cfg)
    if args.checkpoint == 'random':
        # At init the momentum encoder is a copy of the online one; only the
        # online one has had init_weights() applied here.
        settings['model_pass'] = dict(
            settings.get('model_pass') or {}, encoder='online')
    hook = SaliencyHook(**settings)
    seed = cfg.get('randomness', {}).get('seed') or 0
    if getattr(hook.maps, 'seed', 0) is None:
        hook.maps.seed = seed
    everything = range(len(dataset))
    if args.from_store:
        maps, valid = load_stored_maps(args.checkpoint, len(dataset))
    else:
        import torch
        torch.manual_seed(seed)
        model = None  # the controls but 'shuffled' of 'model' need none
        if not hook.maps.static:
            model = MODELS.build(cfg.model)
            if args.checkpoint == 'random':
                model.init_weights()
            else:
                load_checkpoint(
                    model,
                    args.checkpoint,
                    map_location='cpu',
                    logger='silent')
        print(
            f'eval_saliency: {hook.source} maps of {len(dataset)} '
            f'{args.split} image(s) ...',
            flush=True)
        maps, valid = hook.maps.finish(*hook.maps(model, dataset, everything))
    infos = [dataset.get_data_info(i) for i in everything]
    keep = [
        i for i in everything if bool(valid[i]) and infos[i].get('height')
        and infos[i].get('width') and len(infos[i].get('gt_bboxes', []))
    ]
    if not keep:
        raise UsageError('no image with a valid map, boxes and a known size')
    print(
        f'eval_saliency: contrast maps and scores of {len(keep)} image(s) '
        '...',
        flush=True)
    contrast, _ = ContrastMaps(
        hook.map_size, input_size=hook.full_pass.input_size)(None, dataset,
                                                             keep)
    kept = dict(
        maps=[maps[i].numpy() for i in keep],
        boxes=[infos[i]['gt_bboxes'] for i in keep],
        sizes=[(infos[i]['height'], infos[i]['width']) for i in keep])
    scores = saliency_quality(
        kept['maps'],
        kept['boxes'],
        kept['sizes'],
        threshold=args.threshold,
        contrast=[c.numpy() for c in contrast])
    scores.update(
        source=hook.source,
        native_grid=None if args.from_store else hook.maps.native_grid,
        map_size=hook.map_size,
        split=args.split,
        from_store=args.from_store,
        checkpoint=args.checkpoint,
        threshold=args.threshold)
    used = getattr(getattr(hook.maps, 'base', hook.maps), 'used', None)
    if used:  # the oracle's ground truth: 'masks' or 'boxes'
        scores['oracle_from'] = used
    if args.pairs:
        scores['crops'] = measure_crop_modes(
            crop_cfg(cfg), kept['maps'], kept['boxes'], kept['sizes'],
            args.pairs, seed)
    print(json_line(scores))
    if args.out:
        write_json(args.out, scores)
        print(f'eval_saliency: wrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
