"""kNN accuracy of a checkpoint's backbone on a labelled split.

    python tools/knn_eval.py configs/benchmarks/knn_demo.py CHECKPOINT
    python tools/knn_eval.py configs/benchmarks/knn_demo.py random --out r.json

CHECKPOINT is a training checkpoint (its ``backbone.*`` weights are used), a
backbone-only file from tools/extract_backbone.py, or ``random`` for the
random-init floor. The config names ``backbone``, ``data_preprocessor``,
``knn`` (k, temperature) and ``knn_train_dataloader`` /
``knn_val_dataloader``.
"""
import argparse

from mmengine.config import DictAction

import mmsal  # noqa: F401
from mmsal.cli import refuse_overwrite, run_cli
from mmsal.config import load_config
from mmsal.errors import UsageError, require_file
from mmsal.records import json_line, write_json


def parse_args():
    parser = argparse.ArgumentParser(description='kNN evaluation')
    parser.add_argument('config', help='kNN config (configs/benchmarks/)')
    parser.add_argument('checkpoint', help="checkpoint file, or 'random'")
    parser.add_argument('--k', type=int, help='neighbours (config: knn.k)')
    parser.add_argument(
        '--temperature',
        type=float,
        help='vote temperature (config: knn.temperature)')
    parser.add_argument('--out', help='write the accuracies as JSON here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, "key=value" pairs')
    return parser.parse_args()


def build_backbone(cfg, checkpoint):
    """The config's backbone with the checkpoint's weights (or its own
    random init) and the config's data preprocessor."""
    import torch
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mmsal.evaluation import load_backbone
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    torch.manual_seed(cfg.get('seed', 0))
    backbone = MODELS.build(cfg.backbone)
    if checkpoint == 'random':
        backbone.init_weights()
    else:
        load_backbone(backbone, checkpoint)
    return backbone, MODELS.build(cfg.data_preprocessor)


def main():
    args = parse_args()
    if args.checkpoint != 'random':
        require_file(args.checkpoint)
    refuse_overwrite(args.out, f'--out {args.out}')
    cfg = load_config(args.config, args.cfg_options)
    for key in ('backbone', 'data_preprocessor', 'knn_train_dataloader',
                'knn_val_dataloader'):
        if key not in cfg:
            raise UsageError(f'{args.config} has no {key!r}: it is not a kNN '
                             'config (see configs/benchmarks/knn_demo.py)')
    knn = dict(cfg.get('knn', {}))
    k = args.k or knn.get('k', 20)
    temperature = args.temperature or knn.get('temperature', 0.07)

    from mmengine.runner import Runner

    from mmsal.evaluation import extract_features, knn_accuracy
    from mmsal.progress import Progress
    backbone, preprocessor = build_backbone(cfg, args.checkpoint)
    feats = {}
    for split in ('train', 'val'):
        loader = Runner.build_dataloader(cfg[f'knn_{split}_dataloader'])
        feats[split] = extract_features(
            backbone, preprocessor, loader,
            Progress(len(loader.dataset), label=f'{split} features'))
    acc = knn_accuracy(
        *feats['train'], *feats['val'], k=k, temperature=temperature)
    result = dict(
        acc,
        k=k,
        temperature=temperature,
        checkpoint=args.checkpoint,
        train=len(feats['train'][1]),
        val=len(feats['val'][1]))
    print(json_line(result))
    if args.out:
        write_json(args.out, result)
        print(f'knn: wrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
