"""SaliencyHook: keeps the saliency store filled from the model's output.

Schedule: no maps during the first ``warmup_epochs`` (SaliencyCrop is then a
RandomResizedCrop and every score is 1); at the start of epoch
``warmup_epochs`` and every ``interval`` epochs after, one pass over the whole
training set computes each image's map and writes the store.

The pass: every image, whole, resized to ``input_size`` x ``input_size``
(deterministic), normalised by the model's data preprocessor, through the
chosen encoder in eval mode without gradients. The images are split across
ranks, the maps gathered, and every rank writes the same store. The store is
created before the dataloader workers start, attached to every SaliencyCrop of
the training pipeline, saved in checkpoints (``saliency_store``) and restored
on resume.

``update='online'`` replaces the pass by measurements the training step
already makes (the momentum encoder's feature maps of the key crops), and
``'hybrid'`` does one pass when warm-up ends, then online updates; see
:mod:`mmsal.engine.hooks.online_update`.
"""
import time

import torch
from mmengine.dist import all_gather, get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...datasets.transforms import SaliencyCrop
from ...errors import OptionError, StoreError
from ...precision import autocast, check_precision, describe
from ...progress import Progress
from ...saliency.maps import (ENCODERS, SOURCES, STATS, compute_saliency,
                              find_encoder)
from ...saliency.store import (SaliencyStore, image_list_fingerprint,
                               register_store)
from .dataset_walk import check_plain_dataset, find_transforms
from .full_images import full_image_loader
from .refresh_log import log_refresh
from .online_update import ONLINE_KEY, UPDATES, OnlineUpdateMixin

CKPT_KEY = 'saliency_store'


@HOOKS.register_module()
class SaliencyHook(OnlineUpdateMixin, Hook):
    """Refresh the saliency store from the model during training.

    Args:
        warmup_epochs (int): Epochs before the first refresh. Defaults to 1.
        interval (int): Epochs between refreshes. Defaults to 1.
        input_size (int): Side of the square full images. Defaults to 224.
        source (str): ``'activation'`` or ``'similarity'`` (see
            :mod:`mmsal.saliency.maps`). Defaults to ``'activation'``.
        encoder (str): ``'momentum'`` or ``'online'``. Defaults to
            ``'momentum'``.
        stat (str): Channel statistic for ``'activation'``. Defaults to
            ``'mean'``.
        map_size (int): Side of the stored maps. Defaults to 7.
        batch_size (int): Images per forward pass. Defaults to 64.
        num_workers (int): Loader workers for the pass. Defaults to 2.
        precision (str): Precision of the pass: ``'auto'`` (bf16 autocast
            on GPUs and on CPUs with native bf16, i.e. AVX512-BF16 or AMX;
            fp32 on other CPUs, where emulated bf16 is ~19x slower), or
            ``'bf16'``, ``'fp16'``, ``'fp32'`` to force one (see
            :mod:`mmsal.precision`). Maps are min-max normalised 7x7 grids,
            so bf16 is precise enough. Defaults to ``'auto'``.
        quality_images (int): At each refresh, score up to this many maps
            against the dataset's ground-truth boxes, when it has them
            (pointing game next to the centre-point and random-point
            baselines, box IoU; logged as ``saliency/*``). 0 turns it off.
            Defaults to 1000.
        resume_store (bool): Restore the store saved in a resumed
            checkpoint. False starts from an empty store, refilled at the
            first epoch after warm-up (the way to rebuild a store that no
            longer fits). Defaults to True.
        store (str): Name the store is registered under. Defaults to
            ``'default'``.
        update (str): ``'periodic'`` (the full pass above), ``'online'``
            (each step's key crops, no pass) or ``'hybrid'`` (one pass when
            warm-up ends, then online). Defaults to ``'periodic'``.
        online_momentum (float): Weight of a new crop measurement in a
            cell's moving average (online / hybrid). Defaults to 0.5.
        online_stage (int, optional): Measure key crops on this residual
            stage of the momentum backbone (0-based; finer maps than the
            last stage of small crops) instead of its last output. Defaults
            to None (the last output).
    """

    priority = 'NORMAL'

    def __init__(self, warmup_epochs=1, interval=1, input_size=224,
                 source='activation', encoder='momentum', stat='mean',
                 map_size=7, batch_size=64, num_workers=2, precision='auto',
                 quality_images=1000, resume_store=True, store='default',
                 update='periodic', online_momentum=0.5, online_stage=None):
        check_precision(precision, 'SaliencyHook')
        checks = [
            (source in SOURCES, f'source must be one of {SOURCES}'),
            (encoder in ENCODERS, f'encoder must be one of {ENCODERS}'),
            (stat in STATS, f'stat must be one of {STATS}'),
            (int(warmup_epochs) >= 0, 'warmup_epochs must be >= 0'),
            (int(interval) >= 1, 'interval must be >= 1'),
            (int(input_size) >= 16, 'input_size must be >= 16'),
            (int(map_size) >= 1, 'map_size must be >= 1'),
            (int(batch_size) >= 1, 'batch_size must be >= 1'),
            (update in UPDATES, f'update must be one of {UPDATES}'),
            (0 < float(online_momentum) <= 1,
             'online_momentum must be in (0, 1]'),
        ]
        for ok, msg in checks:
            if not ok:
                raise OptionError(f'SaliencyHook: {msg}; got '
                                 f'source={source!r}, encoder={encoder!r}, '
                                 f'stat={stat!r}, warmup_epochs='
                                 f'{warmup_epochs}, interval={interval}, '
                                 f'input_size={input_size}, map_size='
                                 f'{map_size}, batch_size={batch_size}, '
                                 f'update={update!r}, online_momentum='
                                 f'{online_momentum}')
        self.warmup_epochs = int(warmup_epochs)
        self.interval = int(interval)
        self.input_size = int(input_size)
        self.source, self.encoder, self.stat = source, encoder, stat
        self.map_size = int(map_size)
        self.batch_size = int(batch_size)
        self.num_workers = int(num_workers)
        self.precision = precision
        self.resume_store = bool(resume_store)
        self.quality_images = int(quality_images)
        self.store_name = store
        self.store = None
        self._saved = None  # store state from a resumed checkpoint
        self.update = update
        self.online_momentum = float(online_momentum)
        self.online_stage = None if online_stage is None else int(online_stage)
        self.online = None
        self._saved_online = None

    # -- set-up ------------------------------------------------------------
    def before_train(self, runner):
        max_epochs = runner.max_epochs
        if self.warmup_epochs >= max_epochs:
            raise OptionError(
                f'SaliencyHook: warmup_epochs ({self.warmup_epochs}) must be '
                f'smaller than max_epochs ({max_epochs}), or no saliency is '
                'ever computed')
        dataset = runner.train_dataloader.dataset
        check_plain_dataset(dataset)
        crops = find_transforms(dataset, SaliencyCrop)
        if not crops:
            raise OptionError('SaliencyHook: the train_dataloader pipeline has '
                             'no SaliencyCrop to feed; use SaliencyCrop in '
                             'place of RandomResizedCrop')
        self.store = SaliencyStore(len(dataset), self.map_size)
        self.store.fingerprint = image_list_fingerprint(dataset)
        if self._saved is not None:
            self.store.load_state_dict(self._saved)
            self._saved = None
            runner.logger.info(
                'SaliencyHook: restored the store from the checkpoint '
                f'({int(self.store.valid.sum())} valid maps, checksum '
                f'{self.store.checksum():08x})')
        if self.update != 'periodic':
            self._online_setup(runner, len(dataset))
        register_store(self.store_name, self.store)
        for crop in crops:
            crop.store = self.store  # before the workers fork
        runner.logger.info(
            f'SaliencyHook: store of {len(dataset)} maps '
            f'{self.map_size}x{self.map_size} ({self.store.nbytes / 2**20:.1f}'
            f' MB shared), {len(crops)} SaliencyCrop(s), first refresh at '
            f'epoch {self.warmup_epochs + 1}, then every {self.interval}, '
            f'in {describe(self.precision, self._device(runner))} '
            f'(precision={self.precision!r})')

    def before_train_epoch(self, runner):
        epoch = runner.epoch  # 0-based: the epoch about to run
        if self.update != 'periodic':
            if self._online_before_epoch(runner):
                self.refresh(runner)
            return
        if epoch < self.warmup_epochs:
            return
        due = (epoch - self.warmup_epochs) % self.interval == 0
        if due or not bool(self.store.valid.any()):  # e.g. store not resumed
            self.refresh(runner)

    # -- the pass ----------------------------------------------------------
    def _maps_fn(self, model):
        if self.online is not None:  # hybrid: the online measurements' unit
            backbone, neck = find_encoder(model, 'momentum')
            return lambda x: compute_saliency(
                backbone, neck, x, source=self.source, stat=self.stat,
                map_size=self.map_size, stage=self.online_stage, raw=True)
        if hasattr(model, 'saliency_maps'):
            return lambda x: model.saliency_maps(
                x, source=self.source, encoder=self.encoder, stat=self.stat,
                map_size=self.map_size)
        backbone, neck = find_encoder(model, self.encoder)
        return lambda x: compute_saliency(
            backbone, neck, x, source=self.source, stat=self.stat,
            map_size=self.map_size)

    @torch.no_grad()
    def compute_maps(self, model, dataset, indices):
        """Maps of ``dataset[indices]``: one rank's share of a refresh.

        Returns:
            tuple: ``(maps, valid)``, ``(len(indices), S, S)`` and
            ``(len(indices),)``.
        """
        loader = full_image_loader(dataset, indices, self.input_size,
                                   self.batch_size, self.num_workers)
        maps_fn = self._maps_fn(model)
        maps = torch.zeros(len(indices), self.map_size, self.map_size)
        valid = torch.zeros(len(indices), dtype=torch.bool)
        bar = Progress(len(indices), enabled=len(indices) >= 1000)
        was_training = model.training
        model.eval()
        done = 0
        try:
            for batch in loader:
                data = model.data_preprocessor(
                    dict(inputs=[batch['inputs']], data_samples=None), False)
                with self._autocast(model):
                    m, ok = maps_fn(data['inputs'][0])
                maps[done:done + len(m)] = m.float().cpu()
                valid[done:done + len(m)] = ok.cpu() & batch['readable']
                done += len(m)
                bar.update(len(m))
        finally:
            model.train(was_training)
        return maps, valid

    def refresh(self, runner):
        """Recompute every image's map and write the store (all ranks)."""
        start = time.time()
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        rank, world = get_dist_info()
        n = len(self.store)
        per_rank = -(-n // world)
        indices = list(range(rank * per_rank, min(n, (rank + 1) * per_rank)))
        mine, ok = self.compute_maps(model, runner.train_dataloader.dataset,
                                     indices)
        # pad to the same length on every rank for all_gather
        maps = torch.zeros(per_rank, self.map_size, self.map_size)
        valid = torch.zeros(per_rank, dtype=torch.bool)
        maps[:len(mine)], valid[:len(ok)] = mine, ok
        gathered_maps = torch.cat(all_gather(maps))[:n]
        gathered_valid = torch.cat(all_gather(valid))[:n]
        if self.online is not None:  # hybrid: raw maps start the online ones
            self.online.init_from_maps(gathered_maps, gathered_valid)
            gathered_maps, gathered_valid = self.online.normalized_all()
        written = self.store.write(gathered_maps, gathered_valid)
        self._check_ranks_agree(runner)
        seconds = time.time() - start
        log_refresh(self, runner, gathered_maps, gathered_valid,
                    n - written, seconds)

    def _autocast(self, model):
        return autocast(self.precision, next(model.parameters()).device.type)

    @staticmethod
    def _device(runner):
        return next(runner.model.parameters()).device.type

    def _check_ranks_agree(self, runner):
        """Every rank must now hold the same store; say so, or stop."""
        mine = torch.tensor([self.store.checksum()], dtype=torch.int64)
        sums = [int(t) for t in all_gather(mine)]
        if len(set(sums)) > 1:
            raise StoreError('SaliencyHook: ranks hold different saliency '
                             f'stores after a refresh (checksums {sums})')
        runner.logger.info(f'SaliencyHook: store checksum {sums[0]:08x}, '
                           f'identical on {len(sums)} rank(s)')

    # -- checkpoints -------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint):
        if self.store is not None:
            checkpoint[CKPT_KEY] = self.store.state_dict()
        if self.online is not None:
            checkpoint[ONLINE_KEY] = self.online.state_dict()

    def after_load_checkpoint(self, runner, checkpoint):
        saved = checkpoint.get(CKPT_KEY)
        if saved is None or not self.resume_store:
            return
        online = checkpoint.get(ONLINE_KEY)
        if online is not None and self.online is not None:
            self.online.load_state_dict(online)
        else:
            self._saved_online = online
        if self.store is not None:  # loaded after training started
            self.store.load_state_dict(saved)
        else:
            self._saved = saved

