"""ViewAugmentPreprocessor: the views' colour and flip augmentations, batched
on the model's device.

mmpretrain's ``SelfSupDataPreprocessor`` (BGR to RGB, float, normalise) with
the batched ops of :mod:`.batch_augment` run on each view between the
channel swap and the normalisation, training steps only. Configs rarely
name it: ``augment_on='device'`` builds it from the view pipeline
(:func:`.augment_on_device.move_view_augment`).

Flips chosen here are written into each data sample's ``flip`` (one bool per
view, XOR any flip already done by the workers), in the samples handed to
the model; the loader's batch is left as the workers made it. The online
saliency update reads the samples the model saw (``SalSSL.last_samples``),
so it sees the crop as it was fed, exactly as with CPU flips. Crop boxes and
saliency scores come from the workers and pass through untouched.
"""
import numpy as np
import torch
from mmengine.dist import get_rank
from mmpretrain.models.utils import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS

from ...errors import OptionError
from ...random_state import RandomStateful
from .augment_on_device import batch_op
from .batch_augment import BatchFlip


@MODELS.register_module()
class ViewAugmentPreprocessor(SelfSupDataPreprocessor, RandomStateful):
    """Self-supervised data preprocessor that also augments the views.

    Args:
        view_augments (list[list[dict]]): For each view, the CPU transform
            configs to run batched (``ColorJitter`` in a ``RandomApply``,
            ``RandomGrayscale``, ``GaussianBlur``, ``Solarize``,
            ``RandomFlip``), in order. One list for every view if it has a
            single entry. Default: none (plain SelfSupDataPreprocessor).
        seed (int, optional): Seed of the augmentation generator; default
            ``torch.initial_seed()`` (the run's seed), plus the rank so that
            ranks draw different parameters.
        **kwargs: ``mean``, ``std``, ``to_rgb``, ... as
            SelfSupDataPreprocessor. The views arrive BGR, as mmcv loads
            them; the ops always see RGB, and ``to_rgb=False`` hands the
            model BGR again.
    """

    def __init__(self, view_augments=(), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.view_ops = []
        for i, view in enumerate(view_augments):
            ops = []
            for cfg in view:
                op = batch_op(cfg)
                if op is None:
                    raise OptionError(
                        f'ViewAugmentPreprocessor: view_augments[{i}]: '
                        f"{cfg.get('type')} has no batched twin")
                ops.append(op)
            self.view_ops.append(ops)
        self.seed = seed
        self._gens = {}

    def generator(self, device):
        """This rank's generator on ``device``, seeded on first use."""
        key = str(device)
        if key not in self._gens:
            seed = torch.initial_seed() if self.seed is None else self.seed
            gen = torch.Generator(device=device)
            gen.manual_seed((seed + 7919 * get_rank()) % 2**63)
            self._gens[key] = gen
        return self._gens[key]

    def rng_state(self):
        """The generators' states, by device (:mod:`mmsal.random_state`)."""
        return {key: gen.get_state() for key, gen in self._gens.items()}

    def load_rng_state(self, state):
        for key, saved in state.items():
            self.generator(key).set_state(saved)

    def ops_of_view(self, view):
        if not self.view_ops:
            return []
        if len(self.view_ops) == 1:
            return self.view_ops[0]
        if view >= len(self.view_ops):
            raise OptionError(f'ViewAugmentPreprocessor: the batch has view '
                              f'{view}, view_augments has '
                              f'{len(self.view_ops)} entries')
        return self.view_ops[view]

    def augment(self, x, view):
        """Run view ``view``'s ops on float RGB ``x`` in place; returns it
        and the ``(B,)`` bool flips."""
        flips = torch.zeros(len(x), dtype=torch.bool, device=x.device)
        gen = self.generator(x.device)
        for op in self.ops_of_view(view):
            if isinstance(op, BatchFlip):
                x, flipped = op(x, gen)
                flips ^= flipped
            else:
                x = op(x, gen)
        return x, flips

    def forward(self, data, training=False):
        if not (training and self.view_ops):
            return super().forward(data, training)
        inputs, samples = self.cast_data([v for _, v in data.items()])
        single = not isinstance(inputs, list)
        views = [inputs] if single else inputs
        out, flips = [], []
        # mmengine runs the preprocessor inside the optimizer wrapper's
        # autocast context (--amp): the ops stay in float32 all the same
        with torch.autocast(views[0].device.type, enabled=False):
            for v, x in enumerate(views):
                # RGB, as the ops assume; indexing makes the new tensor
                # that the in-place ops may change
                x = x[:, [2, 1, 0]].float()
                x, flipped = self.augment(x, v)
                if not self._channel_conversion:  # the model wants BGR
                    x = x[:, [2, 1, 0]]
                if self._enable_normalize:
                    x = (x - self.mean) / self.std
                out.append(x)
                flips.append(flipped)
        if samples is not None:
            record_flips(samples, torch.stack(flips, 1).cpu().numpy())
        return {'inputs': out[0] if single else out, 'data_samples': samples}


def record_flips(samples, flips):
    """Each sample's ``flip`` (one per view) XOR ``flips`` ``(B, V)``, set
    in the model's copies ``samples`` (never in the loader's batch)."""
    for sample, row in zip(samples, flips):
        old = sample.get('flip', None)
        old = np.zeros(len(row), bool) if old is None else np.asarray(old)
        if old.shape != row.shape:  # a scalar flip of a one-view pipeline
            old = np.broadcast_to(old, row.shape)
        sample.set_field(old.astype(bool) ^ row, 'flip', field_type='metainfo')
