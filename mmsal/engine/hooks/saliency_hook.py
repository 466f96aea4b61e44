"""SaliencyHook: keeps the saliency store filled from the model's output.

The hook schedules the updates, splits and gathers them across ranks, writes
the store and saves it in checkpoints; the updates themselves live in
:mod:`mmsal.saliency`:

- ``update='periodic'``: no maps during the first ``warmup_epochs``
  (SaliencyCrop is then a RandomResizedCrop and every score is 1); at the
  start of epoch ``warmup_epochs`` and every ``interval`` epochs after, a
  :class:`~mmsal.saliency.FullPass` over the whole training set;
- ``'online'``: after every step past warm-up, the step's key crops are
  blended into the images' grids (:class:`~mmsal.saliency.OnlineSaliency`);
- ``'hybrid'``: one full pass when warm-up ends, in the online unit, then
  online updates.

The store is created before the dataloader workers start and attached to
every SaliencyCrop of the training pipeline: the one way crops reach it.
"""
from __future__ import annotations
import time
from typing import TYPE_CHECKING, Any, Dict, Optional

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...datasets.transforms import SaliencyCrop
from ...datasets.walk import check_plain_dataset, find_transforms
from ...errors import OptionError, StoreError
from ...evaluation.saliency_quality import quality_scalars
from ...precision import check_precision, describe
from ...saliency.full_pass import FullPass
from ...saliency.maps import ENCODERS
from ...saliency.maps import SOURCES as MODEL_MAPS
from ...saliency.maps import STATS
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


@HOOKS.register_module()
class SaliencyHook(Hook):
    """Refresh the saliency store from the model during training.

    Args:
        warmup_epochs (int): Epochs before the first maps. Defaults to 1.
        interval (int): Epochs between full passes. Defaults to 1.
        input_size (int): Side of the square full images. Defaults to 224.
        source (str): Where the maps come from: ``'model'`` (the method),
            or a control: ``'oracle'``, ``'contrast'``, ``'shuffled'``,
            ``'centre'``, ``'file'`` (:mod:`mmsal.saliency.sources`; the
            controls are computed once). Defaults to ``'model'``.
        source_cfg (dict, optional): The source's own options, e.g.
            ``dict(path='maps.npz')`` for ``'file'``, ``dict(of='oracle')``
            for ``'shuffled'`` (its ``seed`` defaults to the run's).
            Defaults to None.
        model_map, encoder, stat (str): How the model's maps are made (see
            :mod:`mmsal.saliency.maps`; ``model_map`` is its ``source``).
            Default to ``'activation'``, ``'momentum'``, ``'mean'``.
        stage (int, optional): Residual stage of the full pass's maps
            (0-based; an earlier stage gives a finer native grid). Defaults
            to None (the last output).
        map_size (int): Side of the stored maps. Defaults to 7.
        batch_size (int): Images per forward pass. Defaults to 64.
        num_workers (int): Loader workers for the pass. Defaults to 2.
        precision (str): Of the pass: ``'auto'`` (bf16 where the hardware
            has it natively, else fp32; :mod:`mmsal.precision`), ``'bf16'``,
            ``'fp16'`` or ``'fp32'``. Defaults to ``'auto'``.
        quality_images (int): Maps scored against the dataset's boxes
            after each update (``saliency/pointing_game``, ...); 0: off.
            Defaults to 1000.
        resume_store (bool): Restore the store saved in a resumed
            checkpoint; False rebuilds it. Defaults to True.
        update (str): ``'periodic'``, ``'online'`` or ``'hybrid'``.
            Defaults to ``'periodic'``.
        online_momentum (float): Weight of a new crop measurement in a
            cell's moving average. Defaults to 0.5.
        online_stage (int, optional): Measure key crops (and the hybrid
            pass) on this residual stage of the momentum backbone (0-based)
            instead of its last output. Defaults to None.
    """

    # before mmengine's IterTimerHook (NORMAL): a refresh before an epoch,
    # and an online update after a step, are not counted as waiting for data
    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 warmup_epochs: int = 1,
                 interval: int = 1,
                 input_size: int = 224,
                 source: str = 'model',
                 source_cfg: Optional[dict] = None,
                 model_map: str = 'activation',
                 encoder: str = 'momentum',
                 stat: str = 'mean',
                 stage: Optional[int] = None,
                 map_size: int = 7,
                 batch_size: int = 64,
                 num_workers: int = 2,
                 precision: str = 'auto',
                 quality_images: int = 1000,
                 resume_store: bool = True,
                 update: str = 'periodic',
                 online_momentum: float = 0.5,
                 online_stage: Optional[int] = None) -> None:
        check_precision(precision, 'SaliencyHook')
        if source in MODEL_MAPS:  # the option's name before the controls
            source, model_map = 'model', source
        for ok, msg in [
            (source in SOURCES, f'source must be one of {SOURCES}'),
            (model_map
             in MODEL_MAPS, f'model_map must be one of {MODEL_MAPS}'),
            (update == 'periodic'
             or source == 'model', f"update={update!r} needs source='model'"),
            (encoder in ENCODERS, f'encoder must be one of {ENCODERS}'),
            (stat in STATS, f'stat must be one of {STATS}'),
            (update in UPDATES, f'update must be one of {UPDATES}'),
            (int(warmup_epochs) >= 0, 'warmup_epochs must be >= 0'),
            (int(interval) >= 1, 'interval must be >= 1'),
            (int(input_size) >= 16, 'input_size must be >= 16'),
            (int(map_size) >= 1, 'map_size must be >= 1'),
            (int(batch_size) >= 1, 'batch_size must be >= 1'),
            (0 < float(online_momentum) <= 1,
             'online_momentum must be in (0, 1]'),
            (online_stage is None or model_map == 'activation',
             "online_stage needs model_map='activation'"),
        ]:
            if not ok:
                raise OptionError(f'SaliencyHook: {msg}')
        self.warmup_epochs, self.interval = int(warmup_epochs), int(interval)
        self.source, self.update = source, update
        self.model_map, self.stat = model_map, stat
        self.map_size = int(map_size)
        self.precision = precision
        self.quality_images = int(quality_images)
        self.resume_store = bool(resume_store)
        self.online_momentum = float(online_momentum)
        self.online_stage = online_stage
        hybrid = update == 'hybrid'  # its pass is taken in the online unit
        model_cfg = dict(
            input_size=input_size,
            source=model_map,
            stat=stat,
            encoder='momentum' if hybrid else encoder,
            batch_size=batch_size,
            num_workers=num_workers,
            precision=precision,
            stage=online_stage if hybrid else stage,
            raw=hybrid)
        # the maps the store is filled with; full_pass: the model's
        self.maps = build_map_source(source, self.map_size, model_cfg,
                                     source_cfg)
        self.full_pass = FullPass(map_size=self.map_size, **model_cfg)
        if source == 'model':
            self.maps = self.full_pass
        self.store: Optional[SaliencyStore] = None  # made in before_train
        # for 'online' / 'hybrid'
        self.online: Optional[OnlineSaliency] = None
        self._saved: Dict[str, Any] = {}  # state from a resumed checkpoint
        self._writes = 0

    # -- set-up ------------------------------------------------------------
    def before_train(self, runner: Runner) -> None:
        if self.warmup_epochs >= runner.max_epochs:
            raise OptionError(
                f'SaliencyHook: warmup_epochs ({self.warmup_epochs}) must be '
                f'smaller than max_epochs ({runner.max_epochs}), or no '
                'saliency is ever computed')
        dataset = runner.train_dataloader.dataset
        check_plain_dataset(dataset)
        crops = find_transforms(dataset, SaliencyCrop)
        if not crops:
            raise OptionError(
                'SaliencyHook: the train_dataloader pipeline has '
                'no SaliencyCrop to feed; use SaliencyCrop in '
                'place of RandomResizedCrop')
        model = get_ori_model(runner.model)
        self.store = store = SaliencyStore(len(dataset), self.map_size)
        store.fingerprint = image_list_fingerprint(dataset)
        if self.update != 'periodic':
            self.online = online = OnlineSaliency(
                len(dataset), self.map_size, self.online_momentum,
                self.model_map, self.stat, self.online_stage)
            try:
                online.attach(model)
            except OptionError as e:
                raise OptionError(f'SaliencyHook: {e}') from e
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
            f'{describe(self.precision, device)} '
            f'(precision={self.precision!r})')

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
        self._check_ranks_agree(runner)
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
        self._check_ranks_agree(runner)
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
        """Log ``stats`` and the store's quality against ground-truth boxes
        (where the dataset has them) as ``saliency/*`` scalars."""
        if self.quality_images:
            stats.update(
                quality_scalars(runner.train_dataloader.dataset, self.store,
                                self.quality_images))
        runner.visualizer.add_scalars(stats, step=runner.iter)
        runner.logger.info(f'SaliencyHook: {what}: ' +
                           ', '.join(f'{k.split("/")[1]} {v:.3f}'
                                     for k, v in stats.items()))

    def _check_ranks_agree(self, runner):
        """Every rank must now hold the same store; say so, or stop."""
        checksum, ranks = check_ranks_agree(self._store())
        runner.logger.info(f'SaliencyHook: store checksum {checksum:08x}, '
                           f'identical on {ranks} rank(s)')

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
