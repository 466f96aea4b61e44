"""The online part of SaliencyHook (``update='online'`` / ``'hybrid'``).

After every training step (once warm-up is over), each key crop's saliency,
computed from the feature map the momentum encoder produced for that step's
loss (kept by ``SalSSL.keep_key_maps``; no extra forward pass), is mapped
into its image's store grid and blended in (:mod:`mmsal.saliency.online`).
``'hybrid'`` first fills the store with one full pass at the end of warm-up,
made in the unit of the online measurements: the momentum encoder, the same
stage (``online_stage``), raw (not min-max normalised) values
(:meth:`mmsal.saliency.online.OnlineSaliency.init_from_maps`).
"""
import numpy as np
import torch
from mmengine.model import is_model_wrapper

from ...errors import OptionError
from ...evaluation.saliency_quality import dataset_quality
from ...saliency.maps import find_encoder, raw_saliency, stage_module
from ...saliency.online import OnlineSaliency, crop_to_cells, gather_and_apply

UPDATES = ('periodic', 'online', 'hybrid')
ONLINE_KEY = 'saliency_online'


def _unwrap(runner):
    model = runner.model
    return model.module if is_model_wrapper(model) else model


class OnlineUpdateMixin:
    """Methods SaliencyHook uses when ``update`` is not ``'periodic'``."""

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if self.online is not None:
            self._online_step(runner, data_batch)

    def after_train_epoch(self, runner):
        if self.online is not None:
            self._online_after_epoch(runner)

    def _online_setup(self, runner, num_images):
        model = _unwrap(runner)
        if not hasattr(model, 'keep_key_maps'):
            raise OptionError(
                f"SaliencyHook: update={self.update!r} reads the key crops' "
                f'feature maps of each step, which {type(model).__name__} '
                "does not keep; use SalSSL, or update='periodic'")
        if self.online_stage is not None:
            if self.source != 'activation':
                raise OptionError(
                    'SaliencyHook: online_stage needs '
                    "source='activation' (the neck only fits the last stage)")
            try:  # the stage must exist
                stage_module(find_encoder(model, 'momentum')[0],
                             self.online_stage)
            except OptionError as e:
                raise OptionError(f'SaliencyHook: online_stage: {e}') from e
        model.key_map_stage = self.online_stage
        self.online = OnlineSaliency(num_images, self.map_size,
                                     self.online_momentum)
        if self._saved_online is not None:
            self.online.load_state_dict(self._saved_online)
            self._saved_online = None
        self._online_writes = 0

    def _online_before_epoch(self, runner):
        """Returns True when the periodic pass should run now."""
        epoch = runner.epoch
        _unwrap(runner).keep_key_maps = epoch >= self.warmup_epochs
        if self.update == 'online' or epoch < self.warmup_epochs:
            return False
        # hybrid: one full pass when warm-up ends (or if nothing was resumed)
        return not bool(self.online.seen.any())

    @torch.no_grad()
    def _online_step(self, runner, data_batch):
        model = _unwrap(runner)
        if not model.keep_key_maps or not model.key_maps:
            return
        samples = data_batch['data_samples']
        for key in ('crop_box', 'flip', 'sample_idx', 'ori_shape'):
            if key not in samples[0]:
                raise OptionError(
                    f"SaliencyHook: update={self.update!r} needs {key!r} in "
                    'the data samples: use SaliencyMultiView and PackInputs('
                    "algorithm_keys=['saliency_score', 'crop_box'])")
        backbone, neck = find_encoder(model, 'momentum')
        indices, maps, values, covered = [], [], [], []
        for view, feat in sorted(model.key_maps.items()):
            raw = raw_saliency(feat.float(), self.source, self.stat, neck)
            boxes = torch.as_tensor(
                np.stack([s.crop_box[view] for s in samples]))
            flips = torch.as_tensor([bool(s.flip[view]) for s in samples])
            sizes = torch.as_tensor([s.ori_shape[:2] for s in samples])
            v, c = crop_to_cells(raw.cpu(), boxes, flips, sizes,
                                 self.map_size)
            indices.append(torch.as_tensor([s.sample_idx for s in samples]))
            maps.append(raw.cpu())
            values.append(v)
            covered.append(c)
        model.key_maps = {}
        self._online_writes += gather_and_apply(
            self.online, self.store, torch.cat(indices), torch.cat(maps),
            torch.cat(values), torch.cat(covered))

    def _online_after_epoch(self, runner):
        if runner.epoch < self.warmup_epochs:
            return
        self._check_ranks_agree(runner)
        seen = self.online.seen.flatten(1)
        stats = {'saliency/online_writes': float(self._online_writes),
                 'saliency/online_images': float(seen.any(1).sum()),
                 'saliency/online_cells_seen': float(seen.float().mean()),
                 'saliency/online_scale': float(self.online.scale)}
        if self.quality_images:  # the store against ground-truth boxes
            quality = dataset_quality(
                runner.train_dataloader.dataset, self.store.maps.float()
                .numpy(), self.store.valid.clone(), self.quality_images)
            for key in ('pointing_game', 'pointing_centre', 'box_iou'):
                if quality:
                    stats[f'saliency/{key}'] = quality[key]
        runner.visualizer.add_scalars(stats, step=runner.iter)
        runner.logger.info(
            f'SaliencyHook: online update in epoch {runner.epoch + 1}: '
            + ', '.join(f'{k.split("/")[1]} {v:.3f}'
                        for k, v in stats.items()))
        self._online_writes = 0
