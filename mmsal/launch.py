"""``python -m mmsal.launch``: torchrun, as ``tools/dist_train.sh`` and
``tools/dist_test.sh`` start it, quiet after a failure.

Takes exactly ``torchrun``'s arguments (``torch.distributed.run``). One
change: when a process fails, torchrun's own report (its log lines and a
ChildFailedError traceback of about 40 lines, after the processes' own
output) is left out, and the exit status is the failed process's: 2 after a
user error (which rank 0 has already printed as one line, ``mmsal.cli``),
the process's own status otherwise, with one line naming the ranks.
A command-line tool, like :mod:`mmsal.cli`: the library never imports it.
"""
import logging
import sys
from typing import List, Optional

from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from torch.distributed.run import get_args_parser, run


def main(argv: Optional[List[str]] = None) -> None:
    args = get_args_parser().parse_args(argv)
    # torchrun logs each failure before raising it; the processes' output
    # above already says what went wrong
    logging.getLogger('torch.distributed.elastic').setLevel(logging.CRITICAL)
    try:
        run(args)
    except ChildFailedError as e:
        codes = {rank: f.exitcode for rank, f in e.failures.items()}
        if 2 in codes.values():
            sys.exit(2)
        print(
            'launch: process(es) failed, rank: exit status (negative: the '
            f'signal) {codes}; their output is above',
            file=sys.stderr)
        sys.exit(next((c for c in codes.values() if c > 0), 1))


if __name__ == '__main__':
    main()
