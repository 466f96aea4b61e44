"""Train with an mmsal (or any mmpretrain) config.

Same flags as mmpretrain's ``tools/train.py``. Examples::

    python tools/train.py configs/mocov2_demo.py
    python tools/train.py configs/mocov2_demo.py --resume
    bash tools/dist_train.sh configs/mocov2_coco.py 8
"""
import argparse

import mmsal  # noqa: F401  (applies compat fixes, registers components)
from mmsal.cli import (check_amp, finished_run, guard_work_dir,
                       parse_launch_args, run_cli)
from mmsal.config import load_config
from mmsal.errors import require_file
from mmsal.transfer.pretrained import check_pretrained
from mmsal.transfer.stack import check_stack


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic-mixed-precision training (GPU only)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by the actual batch size over base_batch_size')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='do not pin memory in the dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='do not keep dataloader workers alive between epochs')
    return parse_launch_args(parser)


def merge_args(cfg, args):
    if args.amp:
        check_amp(True)
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr = dict(cfg.get('auto_scale_lr') or {}, enable=True)
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers:
            loader['persistent_workers'] = False
    return cfg


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.launcher,
                      args.work_dir)
    check_stack(cfg, args.config)  # an mmdet / mmseg config: usable here?
    cfg = merge_args(cfg, args)
    if args.resume not in (None, 'auto'):
        require_file(args.resume, '--resume: checkpoint')
    final = None if cfg.get('resume') else finished_run(cfg)
    if final:  # a retry of a finished run: nothing to do, exit 0
        print(f'{cfg.work_dir} already holds this finished run ({final}); '
              'nothing to do. To train again, pass another --work-dir; to '
              'train longer, --resume --cfg-options train_cfg.max_epochs=N')
        return
    guard_work_dir(cfg)
    check_pretrained(cfg)

    from mmengine.registry import RUNNERS

    from mmsal.engine.runner import QuietConsoleRunner
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = QuietConsoleRunner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    run_cli(main)
