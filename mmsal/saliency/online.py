"""Online saliency: the store updated from the key crops of each step.

Every training step already runs the momentum encoder on a crop of each
image. Its last feature map is a saliency measurement of the region the crop
covers (the same ``source`` / ``stat`` as the periodic pass). This module
maps that measurement back into the image's store grid and blends it in:

1. :func:`crop_to_cells`: the store cells whose centres lie inside the
   crop's box (original-image pixels, before the flip) are *covered*; each
   covered cell takes the crop map's value at the cell centre (bilinear;
   a flipped crop's map is read mirrored).
2. :class:`OnlineSaliency`: per image, an exponential moving average over
   the covered cells of values in a common unit (each value divided by a
   running mean of the crops' mean *absolute* saliency, so crops of one
   image are comparable and the unit stays positive when saliency is
   negative, e.g. ``source='similarity'``); cells never covered are marked
   unseen and keep their value. Grids are float32; a cell that becomes
   NaN / inf is reset to unseen.
3. The store map is the min-max normalisation of the seen cells; unseen
   cells get the mean of the seen ones (neutral for the crop scores).

Rank consistency: :class:`~mmsal.engine.SaliencyHook` gathers every rank's
:func:`measure_key_crops` and every rank applies all of them in rank order
(:meth:`OnlineSaliency.apply`), so every rank writes the same store. The
running unit (``scale``) is updated from the gathered values too.
"""
import numpy as np
import torch
import torch.nn.functional as F

from ..errors import OptionError
from .maps import find_encoder, raw_saliency

#: Rate of the running mean of crop saliency (the common unit).
SCALE_MOMENTUM = 0.05


def crop_to_cells(crop_maps, boxes, flips, sizes, map_size):
    """Project crop saliency maps onto the image grids of the store.

    Args:
        crop_maps (Tensor): ``(B, h, w)`` raw saliency of the crops, as the
            crops were fed to the encoder (after the flip).
        boxes (Tensor): ``(B, 4)`` crop boxes ``x1, y1, x2, y2`` in original
            image pixels (x2, y2 exclusive), before the flip.
        flips (Tensor): ``(B,)`` bool, True where the crop was mirrored.
        sizes (Tensor): ``(B, 2)`` image ``(height, width)``.
        map_size (int): Side ``S`` of the store grid.

    Returns:
        tuple: ``(values, covered)``: ``(B, S, S)`` float and bool; values
        are 0 where not covered.
    """
    boxes, sizes = boxes.float(), sizes.float()
    centre = (torch.arange(map_size, dtype=torch.float32) + 0.5) / map_size
    cx = centre[None, None, :] * sizes[:, 1, None, None]  # (B, 1, S)
    cy = centre[None, :, None] * sizes[:, 0, None, None]  # (B, S, 1)
    x1, y1, x2, y2 = (boxes[:, i, None, None] for i in range(4))
    u = (cx - x1) / (x2 - x1).clamp_min(1e-6)  # position in the crop, 0..1
    v = (cy - y1) / (y2 - y1).clamp_min(1e-6)
    covered = (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
    u = torch.where(flips.bool()[:, None, None], 1 - u, u)
    grid = torch.stack(torch.broadcast_tensors(u * 2 - 1, v * 2 - 1), -1)
    values = F.grid_sample(
        crop_maps.float()[:, None],
        grid,
        mode='bilinear',
        padding_mode='border',
        align_corners=False)[:, 0]
    finite = torch.isfinite(crop_maps.flatten(1)).all(1)[:, None, None]
    covered = covered & finite
    return torch.where(covered, values, torch.zeros_like(values)), covered


class OnlineSaliency:
    """Per-image running saliency grids, blended from crop measurements:
    the updater of ``SaliencyHook(update='online' | 'hybrid')``.

    Per step: :meth:`measure` (this rank's key crops), then, on the
    measurements of all ranks in rank order, :meth:`apply` (the maps to
    write into the store).

    Args:
        num_images (int): Length of the training dataset.
        map_size (int): Side of the grids (the store's ``map_size``).
        momentum (float): Weight of a new measurement in a covered cell's
            moving average; a cell's first measurement is taken as is.
            Defaults to 0.5.
        model_map (str): As the full pass. Defaults to ``'activation'``.
        stat (str): As the full pass. Defaults to ``'mean'``.
        stage (int, optional): Measure the momentum backbone's residual
            stage ``stage`` instead of its last output. Defaults to None.
    """

    def __init__(self,
                 num_images,
                 map_size,
                 momentum=0.5,
                 model_map='activation',
                 stat='mean',
                 stage=None):
        if not 0 < float(momentum) <= 1:
            raise OptionError('momentum must be in (0, 1]')
        if stage is not None and model_map != 'activation':
            raise OptionError("stage needs model_map='activation'")
        self.momentum = float(momentum)
        self.map_size, self.model_map, self.stat = map_size, model_map, stat
        self.stage = stage
        self.raw = torch.zeros(num_images, map_size, map_size)
        self.seen = torch.zeros(
            num_images, map_size, map_size, dtype=torch.bool)
        self.scale = torch.zeros(1)

    def attach(self, model):
        """Check that ``model`` keeps its key crops' feature maps
        (:meth:`mmsal.models.SalSSL.keep_key_maps`) at ``stage``."""
        if not hasattr(model, 'keep_key_maps'):
            raise OptionError(
                "online saliency reads the key crops' feature maps of each "
                f'step, which {type(model).__name__} does not keep; use '
                "SalSSL, or update='periodic'")
        try:  # checks the stage against the backbone
            model.keep_key_maps(False, self.stage)
        except OptionError as e:
            raise OptionError(f'stage: {e}') from e

    def measure(self, model):
        """This rank's measurements of the model's last step
        (:func:`measure_key_crops` of its kept key maps and
        ``last_samples``), or None when the model kept no maps."""
        key_maps = model.pop_key_maps()
        if not key_maps:
            return None
        neck = find_encoder(model, 'momentum')[1]
        return measure_key_crops(key_maps, model.last_samples, neck,
                                 self.map_size, self.model_map, self.stat)

    def stats(self):
        """How far the grids have been measured, for the log."""
        seen = self.seen.flatten(1)
        return {
            'saliency/online_images': float(seen.any(1).sum()),
            'saliency/online_cells_seen': float(seen.float().mean()),
            'saliency/online_scale': float(self.scale)
        }

    def init_from_maps(self, raw_maps, valid):
        """Start from a full pass (the hybrid mode).

        ``raw_maps`` must be raw saliency (not min-max normalised) of the
        same encoder and stage as the crop measurements, area-pooled to the
        grid: then full images and crops share one unit. The unit starts at
        the mean absolute value of the valid maps, and each valid map,
        divided by it, becomes fully seen.
        """
        raw_maps = raw_maps.float()
        valid = valid.bool() & torch.isfinite(raw_maps.flatten(1)).all(1)
        if not bool(valid.any()):
            return
        self.scale.fill_(float(raw_maps[valid].abs().mean().clamp_min(1e-6)))
        self.raw[valid] = raw_maps[valid] / self.scale
        self.seen[valid] = True

    def update_scale(self, crop_means):
        """Move the common unit towards the mean of ``crop_means`` (the
        crops' mean absolute saliency; positive)."""
        if len(crop_means) == 0:
            return
        mean = crop_means.float().abs().mean().clamp_min(1e-6)
        if float(self.scale) == 0:
            self.scale.fill_(float(mean))
        else:
            self.scale.mul_(1 - SCALE_MOMENTUM).add_(SCALE_MOMENTUM * mean)

    def update(self, indices, values, covered):
        """Blend ``values`` (already in the common unit) into the covered
        cells of images ``indices``, one row after another (an image twice
        in a batch is blended twice). Returns the normalised ``(n, S, S)``
        maps of those rows and their ``(n,)`` validity (any cell seen)."""
        a = self.momentum
        out = torch.empty(values.shape)
        valid = torch.zeros(len(indices), dtype=torch.bool)
        for row, i in enumerate(indices.tolist()):
            mask = covered[row]
            old = self.raw[i]
            new = torch.where(self.seen[i], (1 - a) * old + a * values[row],
                              values[row])
            raw = torch.where(mask, new, old)
            bad = ~torch.isfinite(raw)  # reset, so the cell can recover
            self.raw[i] = raw.masked_fill(bad, 0)
            self.seen[i] = (self.seen[i] | mask) & ~bad
            out[row], valid[row] = self.normalized(i)
        return out, valid

    def normalized(self, i):
        """Image ``i``'s grid, min-max normalised over its seen cells."""
        seen = self.seen[i]
        if not bool(seen.any()):
            return torch.ones(self.raw.shape[1:]), False
        raw = self.raw[i]
        low, high = raw[seen].min(), raw[seen].max()
        if float(high - low) <= 1e-6:
            return torch.ones(self.raw.shape[1:]), True
        norm = (raw - low) / (high - low)
        return torch.where(seen, norm, norm[seen].mean()), True

    def apply(self, indices, crop_means, values, covered):
        """Apply one step's measurements of all ranks (in rank order): move
        the unit, blend. Returns the ``(n, S, S)`` maps of ``indices`` to
        write and their ``(n,)`` validity."""
        self.update_scale(crop_means[torch.isfinite(crop_means)])
        return self.update(indices, values / self.scale, covered)

    def normalized_all(self):
        """:meth:`normalized` of every image at once: ``(N, S, S)`` maps and
        ``(N,)`` validity."""
        seen, raw = self.seen, self.raw
        valid = seen.flatten(1).any(1)
        low = raw.masked_fill(~seen, float('inf')).flatten(1).min(1).values
        high = raw.masked_fill(~seen, -float('inf')).flatten(1).max(1).values
        span = (high - low)[:, None, None]
        norm = (raw - low[:, None, None]) / span.clamp_min(1e-6)
        norm = torch.where(seen, norm, torch.zeros_like(norm))
        mean = norm.sum((1, 2)) / seen.sum((1, 2)).clamp_min(1)
        out = torch.where(seen, norm, mean[:, None, None])
        out[~valid | ((high - low) <= 1e-6)] = 1.0
        return out, valid

    def state_dict(self):
        return dict(
            raw=self.raw.clone(),
            seen=self.seen.clone(),
            scale=self.scale.clone())

    def load_state_dict(self, state):
        self.raw.copy_(state['raw'].float())
        self.seen.copy_(state['seen'])
        self.scale.copy_(state['scale'])


def measure_key_crops(key_maps,
                      data_samples,
                      neck,
                      map_size,
                      source='activation',
                      stat='mean'):
    """One step's measurements on this rank, from the key crops.

    Args:
        key_maps (dict): ``{view: (B, C, h, w)}`` feature maps of the key
            crops (:meth:`mmsal.models.SalSSL.pop_key_maps`).
        data_samples (list): The step's data samples, with ``crop_box``,
            ``flip``, ``sample_idx`` and ``ori_shape``.
        neck (nn.Module): The momentum neck (``source='similarity'``).
        map_size (int): Side of the store grid.
        source, stat (str): As the full pass.

    Returns:
        dict: ``indices (n,)``, ``crop_means (n,)`` (mean absolute raw
        saliency of each crop: what the unit follows), ``values`` and
        ``covered`` ``(n, S, S)`` (:func:`crop_to_cells`), on the CPU.
    """
    for key in ('crop_box', 'flip', 'sample_idx', 'ori_shape'):
        if key not in data_samples[0]:
            raise OptionError(
                f'online saliency needs {key!r} in the data samples: use '
                "SaliencyMultiView and PackInputs(algorithm_keys=["
                "'saliency_score', 'crop_box'])")
    sizes = torch.as_tensor([s.ori_shape[:2] for s in data_samples])
    idx = torch.as_tensor([s.sample_idx for s in data_samples])
    parts = dict(indices=[], crop_means=[], values=[], covered=[])
    for view, feat in sorted(key_maps.items()):
        raw = raw_saliency(feat.float(), source, stat, neck).cpu()
        boxes = torch.as_tensor(
            np.stack([s.crop_box[view] for s in data_samples]))
        flips = torch.as_tensor([bool(s.flip[view]) for s in data_samples])
        values, covered = crop_to_cells(raw, boxes, flips, sizes, map_size)
        parts['indices'].append(idx)
        parts['crop_means'].append(raw.abs().mean((1, 2)))
        parts['values'].append(values)
        parts['covered'].append(covered)
    return {k: torch.cat(v) for k, v in parts.items()}
