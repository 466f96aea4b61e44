"""QuietConsoleRunner: mmengine's Runner with a short console start.

mmengine logs the whole environment, the whole config and the table of hooks
when a run starts: about 500 lines on the console before the first training
line. This runner sends those three to the log file only (they are still in
``work_dir/<timestamp>/<timestamp>.log``, and the config in
``work_dir/<config>.py``) and writes one line in their place: what runs,
where it writes and where the details are. Everything else is mmengine's.
``tools/train.py`` and ``tools/test.py`` use it unless the config names its
own ``runner_type``.
"""
from __future__ import annotations
import logging
import os.path as osp
from typing import Any, Optional, Union

from mmengine.logging import MMLogger
from mmengine.runner import Runner
from mmpretrain.registry import RUNNERS

# how mmengine's three long start-up messages begin
FILE_ONLY = ('\n' + '-' * 60 + '\nSystem environment:', 'Config:\n',
             'Hooks will be executed in the following order:')


class FileOnly(logging.Filter):
    """Keep mmengine's start-up dumps (:data:`FILE_ONLY`) off a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(FILE_ONLY)


@RUNNERS.register_module()
class QuietConsoleRunner(Runner):
    """A Runner whose console skips the environment, config and hook dumps.

    Takes exactly :class:`mmengine.runner.Runner`'s arguments; select it in
    a config with ``runner_type='QuietConsoleRunner'``.
    """

    def build_logger(self,
                     log_level: Union[int, str] = 'INFO',
                     log_file: Optional[str] = None,
                     **kwargs: Any) -> MMLogger:
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if isinstance(handler, logging.FileHandler) or any(
                    isinstance(f, FileOnly) for f in handler.filters):
                continue
            handler.addFilter(FileOnly())
        return logger

    def _log_env(self, env_cfg: dict) -> None:
        super()._log_env(env_cfg)
        log_file = getattr(self.logger, 'log_file', None)
        where = _short(log_file) if log_file else 'the log file'
        train = self.cfg.get('train_cfg') or {}
        length = (f"{train['max_epochs']} epochs" if 'max_epochs' in train else
                  f"{train['max_iters']} iterations"
                  if 'max_iters' in train else 'no training loop')
        model = self.cfg.get('model') or {}
        self.logger.info(
            f'{self.cfg.filename or "config"}: {model.get("type", "model")}, '
            f'{length}, seed {self.seed}, {self.world_size} process(es) '
            f'(Distributed training: {self.distributed}); writing to '
            f'{_short(self.work_dir)}; environment, config and hooks '
            f'in {where}; the eta on each training line is the time left')


def _short(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    rel = osp.relpath(path)
    return path if rel.startswith('..') else rel
