"""A rank-0 progress bar that redraws about 50 times, not once per item
(mmengine's ProgressBar redraws on every update, which floods log files)."""
from mmengine.dist import get_rank
from mmengine.utils import ProgressBar


class Progress:
    """``Progress(total)``; ``update(n)`` after each ``n`` items. Silent on
    ranks other than 0, when ``enabled`` is False, or when ``total`` is 0."""

    def __init__(self, total, enabled=True, redraws=50):
        self.total = total
        self.done = 0
        self.step = max(1, total // redraws)
        self.bar = ProgressBar(total) if (enabled and total > 0
                                          and get_rank() == 0) else None

    def update(self, n=1):
        self.done += n
        if self.bar is None:
            return
        if self.done - self.bar.completed >= self.step or \
                self.done >= self.total:
            self.bar.update(self.done - self.bar.completed)
            if self.done >= self.total:
                self.bar.file.write('\n')
                self.bar.file.flush()
