"""Check a transfer config and its pretrained weights, without a GPU.

    python tools/check_transfer.py \
        configs/benchmarks/det_voc0712_faster_rcnn_c4.py \
        --checkpoint r50.pth --gpus 8

Parses the config against the installed mmdet / mmseg (no mmcv ops
needed), loads the checkpoint into the backbone (and an R50-C4 RoI head)
exactly as the config's ``StrictPretrained`` settings say, and refuses the
known pitfalls: BatchNorm that is not SyncBN, frozen stages or BatchNorm
statistics, a total batch other than 16 on ``--gpus``. Exit 0 and one line
per part when all fits; otherwise one line saying what does not (exit 2).
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
        '--gpus', type=int, default=8, help='GPUs the run will use')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    require_file(args.config, 'config')
    if args.checkpoint:
        require_file(args.checkpoint, '--checkpoint')

    from mmsal.transfer.preflight import check_weights, pitfalls
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    found = pitfalls(cfg, args.gpus)
    if found:
        raise UsageError(f'{args.config}: {len(found)} transfer pitfall(s): ' +
                         '; '.join(found))
    for line in check_weights(cfg, args.config, args.checkpoint):
        print(line)
    print(f'{args.config}: SyncBN throughout, nothing frozen, total batch 16 '
          f'on {args.gpus} GPUs')


if __name__ == '__main__':
    run_cli(main)
