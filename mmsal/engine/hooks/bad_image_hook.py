"""BadImageHook: an end-of-epoch summary of the unreadable images skipped.

``LoadSceneImage(bad_image='skip')`` warns about each skipped file as it
happens (with its path) and counts it in shared memory, across dataloader
workers. After every training epoch this hook adds up the counts of every
``LoadSceneImage`` in the training dataset (over all ranks), logs
``skipped N unreadable image(s) this epoch``, records the number as the
scalar ``data/skipped_images`` (message hub and visualizer backends) and
resets the counts.
"""
from __future__ import annotations
from typing import TYPE_CHECKING, List, Optional

import torch
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...datasets.transforms import LoadSceneImage
from ...datasets.walk import find_transforms

if TYPE_CHECKING:
    from mmengine.runner import Runner

SCALAR = 'data/skipped_images'


@HOOKS.register_module()
class BadImageHook(Hook):
    """Log how many unreadable training images were skipped each epoch.

    Args:
        log_zero (bool): Also log epochs that skipped nothing (the scalar is
            recorded either way). Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self, log_zero: bool = True) -> None:
        self.log_zero = bool(log_zero)
        self.loaders: Optional[List[LoadSceneImage]] = None
        self.total = 0

    def find_loaders(self, runner: Runner) -> List[LoadSceneImage]:
        """The ``LoadSceneImage`` transforms of the training dataset."""
        if self.loaders is None:
            dataset = runner.train_dataloader.dataset
            self.loaders = find_transforms(dataset, LoadSceneImage)
            if not self.loaders:
                runner.logger.warning(
                    'BadImageHook: the training pipeline has no '
                    "LoadSceneImage (still dict(type='LoadImageFromFile')?);"
                    ' there is nothing to count')
        return self.loaders

    def before_train(self, runner: Runner) -> None:
        # counts from before training (dataset checks, a previous run in the
        # same process) are not this run's
        for loader in self.find_loaders(runner):
            loader.reset_skipped()

    def after_train_epoch(self, runner: Runner) -> None:
        loaders = self.find_loaders(runner)
        count = sum(loader.reset_skipped() for loader in loaders)
        if is_distributed():
            total = torch.tensor([count], dtype=torch.int64)
            all_reduce(total)  # sum over ranks
            count = int(total.item())
        self.total += count
        runner.message_hub.update_scalar(SCALAR, count)
        runner.visualizer.add_scalars({SCALAR: count}, step=runner.epoch + 1)
        if not loaders or (count == 0 and not self.log_zero):
            return
        message = (f'BadImageHook: epoch {runner.epoch + 1}: skipped {count} '
                   f'unreadable image(s) this epoch ({self.total} in total)')
        if count:
            runner.logger.warning(message + '; each was logged with its path '
                                  "by LoadSceneImage (run 'python "
                                  "tools/check_dataset.py CONFIG' to list "
                                  'them all)')
        else:
            runner.logger.info(message)
