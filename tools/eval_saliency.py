"""Score saliency maps against ground-truth boxes, next to two baselines.

    python tools/eval_saliency.py CONFIG CHECKPOINT [--split val] [--out F]
    python tools/eval_saliency.py CONFIG CHECKPOINT --from-store
    python tools/eval_saliency.py CONFIG random --split val   # random init

Maps are computed from the checkpoint's model with the config's SaliencyHook
settings (source, encoder, input_size, map_size) over the config's training
dataset (``--split val``: its val split: DemoScenes split='val', CocoScenes
val2017), or, with ``--from-store``, read from the checkpoint's saliency store
(training split only). CHECKPOINT ``random`` scores the maps of the config's
model at its random init. Reports the pointing game against a random point and
the image centre, and the thresholded map box's IoU against a centred box.
"""
import argparse
import json

from mmengine.config import DictAction

import mmsal  # noqa: F401
from mmsal.entry import (UsageError, load_config, refuse_overwrite,
                         require_file, run_cli)


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
    from mmsal.evaluation.saliency_quality import saliency_quality
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = DATASETS.build(dataset_cfg(cfg, args.split))
    settings = hook_cfg(cfg)
    if args.checkpoint == 'random':
        # At init the momentum encoder is a copy of the online one; only the
        # online one has had init_weights() applied here.
        settings['encoder'] = 'online'
    hook = SaliencyHook(**settings)
    if args.from_store:
        maps, valid = load_stored_maps(args.checkpoint, len(dataset))
    else:
        import torch
        torch.manual_seed(cfg.get('randomness', {}).get('seed') or 0)
        model = MODELS.build(cfg.model)
        if args.checkpoint == 'random':
            model.init_weights()
        else:
            load_checkpoint(
                model, args.checkpoint, map_location='cpu', logger='silent')
        maps, valid = hook.full_pass(model, dataset, range(len(dataset)))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    keep = [
        i for i in range(len(dataset))
        if bool(valid[i]) and infos[i].get('height') and infos[i].get('width')
    ]
    if not keep:
        raise UsageError('no image with a valid map and a known size')
    scores = saliency_quality([maps[i].numpy() for i in keep],
                              [infos[i]['gt_bboxes'] for i in keep],
                              [(infos[i]['height'], infos[i]['width'])
                               for i in keep],
                              threshold=args.threshold)
    scores.update(
        split=args.split,
        from_store=args.from_store,
        checkpoint=args.checkpoint,
        threshold=args.threshold)
    print(json.dumps(scores))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(scores, f, indent=1)


if __name__ == '__main__':
    run_cli(main)
