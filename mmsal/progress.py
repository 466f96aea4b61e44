"""A rank-0 progress display that suits where it writes.

On a terminal: mmengine's ProgressBar, redrawn about 50 times, not once per
item (mmengine redraws on every update). Into a file or a pipe (a log, CI,
``tee``): plain lines, one about every 10 % and one at the end, with the
elapsed time, and never a carriage return, so a log holds readable lines.
"""
import sys
import time

from mmengine.dist import get_rank
from mmengine.utils import ProgressBar


class Progress:
    """``Progress(total)``; ``update(n)`` after each ``n`` items. Silent on
    ranks other than 0, when ``enabled`` is False, or when ``total`` is 0.

    Args:
        total (int): Items to do.
        enabled (bool): Show anything at all. Defaults to True.
        redraws (int): Terminal redraws over the whole run. Defaults to 50.
        label (str): What is counted, at the start of plain lines. Defaults
            to ``'progress'``.
        file: Where to write. Defaults to ``sys.stdout``.
    """

    def __init__(self,
                 total,
                 enabled=True,
                 redraws=50,
                 label='progress',
                 file=None):
        self.total = total
        self.done = 0
        self.label = label
        self.file = sys.stdout if file is None else file
        active = enabled and total > 0 and get_rank() == 0
        tty = active and getattr(self.file, 'isatty', lambda: False)()
        self.step = max(1, total // (redraws if tty else 10))
        self.bar = ProgressBar(total, file=self.file) if tty else None
        self.lines = active and not tty
        self.start = time.time()
        self.shown = 0

    def update(self, n=1):
        self.done += n
        due = self.done - self.shown >= self.step or self.done >= self.total
        if self.bar is not None and due:
            self.bar.update(self.done - self.bar.completed)
            self.shown = self.done
            if self.done >= self.total:
                self.bar.file.write('\n')
                self.bar.file.flush()
        elif self.lines and due and self.shown < self.total:
            self.shown = min(self.done, self.total)
            self.file.write(f'{self.label}: {self.shown}/{self.total} '
                            f'({100 * self.shown // self.total} %), '
                            f'{time.time() - self.start:.1f} s\n')
            self.file.flush()
