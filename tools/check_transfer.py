"""Check a transfer config and its pretrained weights, without a GPU.

    python tools/check_transfer.py \
        configs/benchmarks/det_voc0712_faster_rcnn_c4.py \
        --checkpoint r50.pth --gpus 8

Parses the config against the installed mmdet / mmseg (no mmcv ops
needed), loads the checkpoint into the backbone (and an R50-C4 RoI head)
exactly as the config's ``StrictPretrained`` settings say, and refuses the
known pitfalls: BatchNorm that is not SyncBN, frozen stages or BatchNorm
statistics, weight decay on norm layers (detection), a total batch on
``--gpus`` other than the protocol's (``auto_scale_lr.base_batch_size``:
16, Cityscapes 8; default ``--gpus``: the GPUs that give it). Exit 0 and
one line per part when all fits; otherwise one line saying what does not
(exit 2).
"""
import argparse

import mmsal  # noqa: F401  (compat fixes; registers StrictPretrained)
from mmsal.cli import run_cli
from mmsal.errors import UsageError, require_file


def main():
    from mmengine.config import Config, DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='transfer config')
    parser.add_argument(
        '--checkpoint',
        help='pretrained backbone (default: the one the config names)')
    parser.add_argument(
        '--gpus',
        type=int,
        help="GPUs the run will use (default: the protocol's total batch / "
        'train_dataloader.batch_size)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    require_file(args.config, 'config')
    if args.checkpoint:
        require_file(args.checkpoint, '--checkpoint')

    from mmsal.transfer.preflight import (check_weights, pitfalls,
                                          protocol_batch)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    total = protocol_batch(cfg)
    per_gpu = (cfg.get('train_dataloader') or {}).get('batch_size') or 1
    gpus = args.gpus or max(1, total // per_gpu)
    found = pitfalls(cfg, gpus)
    if found:
        raise UsageError(f'{args.config}: {len(found)} transfer pitfall(s): ' +
                         '; '.join(found))
    for line in check_weights(cfg, args.config, args.checkpoint):
        print(line)
    print(f'{args.config}: SyncBN throughout, nothing frozen, total batch '
          f'{total} on {gpus} GPUs')


if __name__ == '__main__':
    run_cli(main)
