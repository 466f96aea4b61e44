"""What only the command-line tools (``tools/``, ``benchmarks/``) use: the
launch options they share, the guards against overwriting a user's files
or another run's checkpoints, and turning mmsal's errors into one line and
exit status 2. Nothing in the library imports this module (a test checks)."""
from __future__ import annotations
import argparse
import glob
import os
import os.path as osp
import re
import sys
import time
from typing import Callable, List, Optional

import torch
from mmengine.config import Config

from .errors import MmsalError, UsageError

# seconds other ranks wait before printing an error that rank 0 also prints
RANK_WAIT = 5
# mmengine's registry prefixes build errors with "class `X` in path.py: ".
_BUILD_PREFIX = re.compile(r'class `\w+` in [\w/.]+\.py: ')


def existing_checkpoints(work_dir: str) -> List[str]:
    """Checkpoints (``*.pth``) and ``last_checkpoint`` already in work_dir."""
    found = glob.glob(osp.join(work_dir, '*.pth'))
    if osp.exists(osp.join(work_dir, 'last_checkpoint')):
        found.append(osp.join(work_dir, 'last_checkpoint'))
    return sorted(found)


def finished_run(cfg: Config) -> Optional[str]:
    """The final checkpoint (``epoch_<max_epochs>.pth`` or
    ``iter_<max_iters>.pth``) of this config in its work_dir, if there."""
    train = cfg.get('train_cfg') or {}
    for unit in ('epoch', 'iter'):
        length = train.get(f'max_{unit}s')
        final = osp.join(cfg.work_dir, f'{unit}_{length}.pth')
        if length and osp.exists(final):
            return final
    return None


def guard_work_dir(cfg: Config) -> None:
    """Refuse to start a new run over another run's checkpoints: mmengine
    would overwrite ``epoch_N.pth`` and ``last_checkpoint``."""
    if cfg.get('resume'):
        return
    found = existing_checkpoints(cfg.work_dir)
    if found:
        raise UsageError(
            f'work_dir {cfg.work_dir} already holds checkpoints '
            f'({osp.basename(found[0])}, ...); pass --resume to continue that '
            'run, or choose another --work-dir')


def refuse_overwrite(path: Optional[str], what: Optional[str] = None) -> None:
    """Stop before writing over something the user already has."""
    if path and osp.exists(path):
        raise UsageError(f'{what or path} already exists; not overwriting')


def check_amp(amp: bool) -> None:
    """``--amp`` needs CUDA: stop in one line on a CPU-only machine."""
    if amp and not torch.cuda.is_available():
        raise UsageError('--amp needs a CUDA GPU (mmengine AmpOptimWrapper); '
                         'leave it out on CPU')


def run_cli(main: Callable[[], object]) -> None:
    """Run ``main()``; print bad-input errors as one line and exit 2.

    Under a launcher every rank usually meets the same error: rank 0 prints
    it at once, another rank only after :data:`RANK_WAIT` seconds, by which
    time the launcher has ended it if rank 0 failed too."""
    try:
        main()
    except MmsalError as e:
        msg = str(e)
        if 'Original Traceback' in msg:
            # raised in a dataloader worker: torch re-raises it with the
            # worker's traceback; the last line is the error itself
            msg = msg.strip().splitlines()[-1].split(': ', 1)[-1]
        msg = _BUILD_PREFIX.sub('', msg).replace('\n', ' ')
        rank = int(os.environ.get('RANK', os.environ.get('SLURM_PROCID', 0)))
        if rank:
            # the same error on rank 0 ends the launch (torchrun, srun
            # --kill-on-bad-exit) before this wait does: printed once
            time.sleep(RANK_WAIT)
            msg = f'rank {rank}: {msg}'
        print(f'error: {msg}', file=sys.stderr, flush=True)
        sys.exit(2)


def set_local_rank(local_rank: Optional[int]) -> None:
    """torch.distributed.launch passes --local-rank; torchrun sets the env."""
    if local_rank is not None and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)


def parse_launch_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the options every runner tool shares (``--cfg-options``,
    ``--launcher``, ``--local-rank``), parse, and set LOCAL_RANK."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, "key=value" pairs; a custom hook '
        'may be named by its type, e.g. SaliencyHook.interval=5')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    args = parser.parse_args()
    set_local_rank(args.local_rank)
    return args
