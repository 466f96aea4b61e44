"""ExactResumeHook: a run killed and resumed is the run it continues.

mmengine's checkpoint holds the model, optimizer, schedule and counters, and
its sampler draws each epoch's order from ``seed + epoch``. What a resumed
run still lost (measured: a demo run killed in epoch 3 and resumed ended 2-3
kNN points away from the uninterrupted one, MoCo v2 as well as SalSSL):

- the data workers' random streams: persistent workers carry them across
  epochs, a resumed run restarts them. Here each sample's augmentations are
  drawn from ``(seed, epoch, index)`` alone (:mod:`mmsal.datasets.
  sample_seeds`), whatever the worker and the number of workers;
- the main process's generators (Python, numpy, torch, CUDA) and those that
  modules own (the device augmentations, the shuffled-weight control):
  saved in each checkpoint (``rng_states``) and put back before the first
  resumed epoch (:mod:`mmsal.random_state`);
- the train loader's own draw of its workers' base seed, which moved the
  global torch stream when a resumed run created its iterator: the loader
  gets a generator of its own.

In ``configs/_base_/default_runtime.py`` (``default_hooks.exact_resume``), so
every mmsal config has it. Datasets other than :class:`~mmsal.datasets.
CocoScenes` (and its subclasses) keep mmengine's worker streams; the hook
says so once.
"""
from __future__ import annotations
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...random_state import capture, restore

if TYPE_CHECKING:
    from mmengine.runner import Runner

    from ...datasets.sample_seeds import SampleSeeds

CKPT_KEY = 'rng_states'


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Per-sample seeds and saved random states (see the module docstring).

    Args:
        sample_seeds (bool): Seed each sample's transforms from ``(seed,
            epoch, index)``. Defaults to True.
    """

    priority = 'VERY_HIGH'  # before any hook of the epoch draws

    def __init__(self, sample_seeds: bool = True) -> None:
        self.sample_seeds = bool(sample_seeds)
        self._seeds: Optional[SampleSeeds] = None
        # (epoch, random state) from the checkpoint resumed from
        self._saved: Optional[Tuple[Optional[int], Dict[str, Any]]] = None

    def before_train(self, runner: Runner) -> None:
        loader = runner.train_dataloader
        loader.generator = torch.Generator().manual_seed(int(runner.seed))
        self._seeds = getattr(loader.dataset, 'sample_seeds', None)
        if not self.sample_seeds:
            return
        if self._seeds is None:
            runner.logger.warning(
                'ExactResumeHook: the training set '
                f'({type(loader.dataset).__name__}) has no per-sample seeds '
                '(CocoScenes and its subclasses have): a resumed run draws '
                'other augmentations than the uninterrupted one')
            return
        self._seeds.enable(runner.seed)  # before the workers fork

    def before_train_epoch(self, runner: Runner) -> None:
        if self.sample_seeds and self._seeds is not None:
            self._seeds.set_epoch(runner.epoch)
        saved, self._saved = self._saved, None
        # only where the run continues the checkpoint (not load_from)
        if saved is not None and saved[0] == runner.epoch:
            restore(saved[1], get_ori_model(runner.model))
            runner.logger.info('ExactResumeHook: restored the random state '
                               'of the checkpoint')

    def before_save_checkpoint(self, runner: Runner,
                               checkpoint: Dict[str, Any]) -> None:
        checkpoint[CKPT_KEY] = capture(get_ori_model(runner.model))

    def after_load_checkpoint(self, runner: Runner,
                              checkpoint: Dict[str, Any]) -> None:
        if CKPT_KEY in checkpoint:
            epoch = checkpoint.get('meta', {}).get('epoch')
            self._saved = (epoch, checkpoint[CKPT_KEY])
