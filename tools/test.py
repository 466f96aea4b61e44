"""Evaluate a checkpoint with an evaluation config (linear probe, ...).

Same flags as mmpretrain's ``tools/test.py`` (without --show / --tta)::

    python tools/test.py configs/benchmarks/linear_demo.py CHECKPOINT
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse

import mmsal  # noqa: F401  (applies compat fixes, registers components)
from mmsal.cli import parse_launch_args, refuse_overwrite, run_cli
from mmsal.config import load_config
from mmsal.errors import UsageError, require_file
from mmsal.records import write_json
from mmsal.transfer.stack import check_stack


def parse_args():
    parser = argparse.ArgumentParser(description='Evaluate a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the logs')
    parser.add_argument(
        '--out', help='dump the metrics to this .json/.yaml/.pkl file')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='do not pin memory in the dataloader')
    return parse_launch_args(parser)


def main():
    args = parse_args()
    require_file(args.checkpoint)
    refuse_overwrite(args.out, f'--out {args.out}')
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)
    check_stack(cfg, args.config)  # an mmdet / mmseg config: usable here?
    if not cfg.get('test_dataloader'):
        raise UsageError(f'{args.config} has no test_dataloader: it is a '
                         'training config; pass an evaluation config')
    cfg.load_from = args.checkpoint
    if args.no_pin_memory:
        cfg.test_dataloader['pin_memory'] = False

    from mmengine.registry import RUNNERS

    from mmsal.engine.runner import QuietConsoleRunner
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        QuietConsoleRunner.from_cfg(cfg)
    metrics = runner.test()
    if args.out and runner.rank == 0:
        write_json(args.out, {k: float(v) for k, v in metrics.items()})
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    run_cli(main)
