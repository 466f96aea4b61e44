"""SaliencyHook: keeps the saliency store filled from the model's output.

The hook schedules the updates, splits and gathers them across ranks, writes
the store and saves it in checkpoints; the updates themselves live in
:mod:`mmsal.saliency`:

- ``update='periodic'``: no maps during the first ``warmup_epochs``
  (SaliencyCrop is then a RandomResizedCrop, every score 1); then a
  :class:`~mmsal.saliency.FullPass` every ``interval`` epochs;
- ``'online'``: after every step, the step's key crops are blended into the
  images' grids (:class:`~mmsal.saliency.OnlineSaliency`);
- ``'hybrid'``: one full pass when warm-up ends, then online updates.

The store is created before the dataloader workers start and attached to
every SaliencyCrop of the training pipeline: the one way crops reach it.
"""
from __future__ import annotations
import time
from contextlib import contextmanager
from inspect import signature
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...datasets.transforms import SaliencyCrop
from ...datasets.walk import crops_to_feed
from ...errors import OptionError, StoreError
from ...evaluation.saliency_quality import log_saliency
from ...precision import describe
from ...saliency.full_pass import FullPass
from ...saliency.maps import SOURCES as MODEL_MAPS
from ...saliency.online import OnlineSaliency
from ...saliency.ranks import (check_ranks_agree, gather_measurements,
                               maps_of_all_images)
from ...saliency.sources import SOURCES, ShuffledMaps, build_map_source
from ...saliency.store import SaliencyStore, image_list_fingerprint

if TYPE_CHECKING:
    from mmengine.runner import Runner

CKPT_KEY = 'saliency_store'
ONLINE_KEY = 'saliency_online'
UPDATES = ('periodic', 'online', 'hybrid')

# options of the hook before they were grouped (the rest went to model_pass)
MOVED = dict(
    online_momentum='online=dict(momentum=...)',
    online_stage='online=dict(stage=...)')


@HOOKS.register_module()
class SaliencyHook(Hook):
    """Refresh the saliency store from the model during training.

    Args:
        warmup_epochs (int): Epochs before the first maps. Defaults to 1.
        interval (int): Epochs between full passes. Defaults to 1.
        update (str): ``'periodic'``, ``'online'`` or ``'hybrid'``.
            Defaults to ``'periodic'``.
        source (str): Where the maps come from: ``'model'`` (the method),
            or a control: ``'oracle'``, ``'contrast'``, ``'shuffled'``,
            ``'centre'``, ``'file'`` (:mod:`mmsal.saliency.sources`; the
            controls are computed once). Defaults to ``'model'``.
        source_cfg (dict, optional): The control's own options, e.g.
            ``dict(path='maps.npz')`` for ``'file'``, ``dict(of='oracle')``
            for ``'shuffled'`` (its ``seed`` defaults to the run's).
            Defaults to None.
        model_pass (dict, optional): How the model's maps are computed,
            handed whole to :class:`~mmsal.saliency.FullPass`:
            ``input_size`` (224), ``model_map`` (``'activation'`` or
            ``'similarity'``), ``encoder`` (``'momentum'``), ``stat``
            (``'mean'``), ``stage`` (None: the last output; 0-based residual
            stage otherwise), ``batch_size`` (64), ``num_workers`` (2),
            ``precision`` (``'auto'``, :mod:`mmsal.precision`). The loader
            keys also size the contrast control's pass. Defaults to None
            (all defaults).
        online (dict, optional): Options of the online update
            (:class:`~mmsal.saliency.OnlineSaliency`): ``momentum`` (0.5)
            and ``stage`` (None). Defaults to None (all defaults).
        map_size (int): Side of the stored maps. Defaults to 7.
        quality_images (int): Maps scored against the dataset's boxes
            after each update (``saliency/pointing_game``, ...); 0: off.
            Defaults to 1000.
        resume_store (bool): Restore the store saved in a resumed
            checkpoint; False rebuilds it. Defaults to True.
    """

    # before mmengine's IterTimerHook (NORMAL): a refresh before an epoch,
    # and an online update after a step, are not counted as waiting for data
    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 warmup_epochs: int = 1,
                 interval: int = 1,
                 update: str = 'periodic',
                 source: str = 'model',
                 source_cfg: Optional[dict] = None,
                 model_pass: Optional[dict] = None,
                 online: Optional[dict] = None,
                 map_size: int = 7,
                 quality_images: int = 1000,
                 resume_store: bool = True,
                 **moved: Any) -> None:
        for key in moved:
            now = MOVED.get(
                key, f'model_pass=dict({key}=...)'
                if key in signature(FullPass).parameters else '')
            raise OptionError(f'SaliencyHook: no option {key!r}' +
                              (f'; it is now {now}' if now else ''))
        model_pass = dict(model_pass or {})
        if source in MODEL_MAPS:  # the option's name before the controls
            source, model_pass['model_map'] = 'model', source
        for ok, msg in [
            (source in SOURCES, f'source must be one of {SOURCES}'),
            (update in UPDATES, f'update must be one of {UPDATES}'),
            (update == 'periodic'
             or source == 'model', f"update={update!r} needs source='model'"),
            (int(warmup_epochs) >= 0, 'warmup_epochs must be >= 0'),
            (int(interval) >= 1, 'interval must be >= 1'),
            (int(map_size) >= 1, 'map_size must be >= 1'),
        ]:
            if not ok:
                raise OptionError(f'SaliencyHook: {msg}')
        self.warmup_epochs, self.interval = int(warmup_epochs), int(interval)
        self.source, self.update = source, update
        self.map_size = int(map_size)
        self.quality_images = int(quality_images)
        self.resume_store = bool(resume_store)
        self.online_cfg = dict(online or {})
        if update == 'hybrid':  # its pass is taken in the online unit
            model_pass.update(
                encoder='momentum',
                stage=self.online_cfg.get('stage'),
                raw=True)
        with _options('model_pass'):
            self.full_pass = FullPass(map_size=self.map_size, **model_pass)
        with _options('online'):  # checked now, built in before_train
            self._new_online(0)
        # the maps the store is filled with
        self.maps = self.full_pass if source == 'model' else \
            build_map_source(source, self.map_size, model_pass, source_cfg)
        self.store: Optional[SaliencyStore] = None  # made in before_train
        self.online: Optional[OnlineSaliency] = None  # 'online' / 'hybrid'
        self._saved: Dict[str, Any] = {}  # state from a resumed checkpoint
        self._writes = 0

    def _new_online(self, num_images: int) -> OnlineSaliency:
        return OnlineSaliency(
            num_images,
            self.map_size,
            model_map=self.full_pass.model_map,
            stat=self.full_pass.stat,
            **self.online_cfg)

    # -- set-up ------------------------------------------------------------
    def before_train(self, runner: Runner) -> None:
        if self.warmup_epochs >= runner.max_epochs:
            raise OptionError(
                f'SaliencyHook: warmup_epochs ({self.warmup_epochs}) must be '
                f'smaller than max_epochs ({runner.max_epochs}), or no '
                'saliency is ever computed')
        dataset = runner.train_dataloader.dataset
        crops = crops_to_feed(dataset, SaliencyCrop)
        model = get_ori_model(runner.model)
        self.store = store = SaliencyStore(len(dataset), self.map_size)
        store.fingerprint = image_list_fingerprint(dataset)
        if self.update != 'periodic':
            self.online = self._new_online(len(dataset))
            with _options('online'):
                self.online.attach(model)
        if isinstance(self.maps, ShuffledMaps) and self.maps.seed is None:
            self.maps.seed = runner.seed  # shuffled: the run's seed
        self._restore(runner)
        for crop in crops:
            crop.store = self.store  # before the workers fork
        device = next(runner.model.parameters()).device.type
        runner.logger.info(
            f'SaliencyHook: store of {len(dataset)} maps {self.map_size}x'
            f'{self.map_size} ({store.nbytes / 2**20:.1f} MB shared), '
            f'{len(crops)} SaliencyCrop(s), source={self.source!r}, '
            f'update={self.update!r}, first '
            f'maps in epoch {self.warmup_epochs + 1}, full pass in '
            f'{describe(self.full_pass.precision, device)} '
            f'(precision={self.full_pass.precision!r})')

    # -- schedule ----------------------------------------------------------
    def before_train_epoch(self, runner: Runner) -> None:
        epoch = runner.epoch  # 0-based: the epoch about to run
        if epoch < self.warmup_epochs:
            return
        if self.update == 'periodic':
            due = (epoch - self.warmup_epochs) % self.interval == 0
            empty = not bool(self._store().valid.any())  # e.g. not resumed
            if (due and not self.maps.static) or empty:
                self.refresh(runner)
            return
        online = self.online
        assert online is not None, 'before_train makes it'
        get_ori_model(runner.model).keep_key_maps(True, online.stage)
        if self.update == 'hybrid' and not bool(online.seen.any()):
            self.refresh(runner)  # once, when warm-up ends

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self.online is None or runner.epoch < self.warmup_epochs:
            return
        with torch.no_grad():
            measured = self.online.measure(get_ori_model(runner.model))
            if measured is None:
                return
            step = gather_measurements(measured)
            maps, valid = self.online.apply(**step)
        self._writes += self._store().write(maps, valid, step['indices'])

    def after_train_epoch(self, runner: Runner) -> None:
        if self.online is None or runner.epoch < self.warmup_epochs:
            return
        check_ranks_agree(self._store())
        self._log(runner, f'online update in epoch {runner.epoch + 1}', {
            'saliency/online_writes': float(self._writes),
            **self.online.stats()
        })
        self._writes = 0

    def _store(self) -> SaliencyStore:
        if self.store is None:
            raise StoreError('SaliencyHook: no store before before_train')
        return self.store

    # -- the full pass -----------------------------------------------------
    def refresh(self, runner: Runner) -> None:
        """Recompute every image's map and write the store (all ranks)."""
        start = time.time()
        n = len(self._store())
        maps, valid = maps_of_all_images(self.maps,
                                         get_ori_model(runner.model),
                                         runner.train_dataloader.dataset,
                                         self.map_size)
        if self.online is not None:  # hybrid: raw maps start the grids
            self.online.init_from_maps(maps, valid)
            maps, valid = self.online.normalized_all()
        written = self._store().write(maps, valid)
        check_ranks_agree(self._store())
        good = maps[valid]
        self._log(
            runner, f'refreshed {n} maps before epoch '
            f'{runner.epoch + 1}', {
                'saliency/refresh_seconds': time.time() - start,
                'saliency/map_mean': float(good.mean()) if len(good) else 0.,
                'saliency/native_grid': float(self.maps.native_grid or 0),
                'saliency/rejected': float(n - written)
            })
        if n - written:
            runner.logger.warning(
                f'SaliencyHook: {n - written} map(s) had NaN/inf features or '
                'unreadable images and were not stored (those images keep '
                'their previous map)')

    def _log(self, runner, what, stats):
        log_saliency(runner, what, stats, self.store, self.quality_images)

    # -- checkpoints -------------------------------------------------------
    def before_save_checkpoint(self, runner: Runner,
                               checkpoint: Dict[str, Any]) -> None:
        if self.store is not None:
            checkpoint[CKPT_KEY] = self.store.state_dict()
        if self.online is not None:
            checkpoint[ONLINE_KEY] = self.online.state_dict()

    def after_load_checkpoint(self, runner: Runner,
                              checkpoint: Dict[str, Any]) -> None:
        if not self.resume_store or CKPT_KEY not in checkpoint:
            return
        self._saved = {k: checkpoint.get(k) for k in (CKPT_KEY, ONLINE_KEY)}
        if self.store is not None:  # loaded after training started
            self._restore(runner)

    def _restore(self, runner):
        saved, self._saved = self._saved, {}
        if CKPT_KEY not in saved:
            return
        self.store.load_state_dict(saved[CKPT_KEY])
        if self.online is not None and saved[ONLINE_KEY] is not None:
            self.online.load_state_dict(saved[ONLINE_KEY])
        runner.logger.info(
            'SaliencyHook: restored the store from the checkpoint '
            f'({int(self.store.valid.sum())} valid maps, checksum '
            f'{self.store.checksum():08x})')


@contextmanager
def _options(group: str) -> Iterator[None]:
    """Raise the errors of one option group as one line naming the group."""
    try:
        yield
    except (OptionError, TypeError) as e:
        raise OptionError(f'SaliencyHook: {group}: {e}') from None
