"""InfoNCE with one weight per positive pair from the crops' saliency.

The weight of a pair of crops with scores ``s_q`` and ``s_k`` (from
``SaliencyCrop``; 1 = as salient as the image on average) is

    w = clamp(combine(s_q, s_k) ** gamma, *clamp)

normalised to mean 1 over the global batch (all ranks), and detached. So the
loss keeps its scale, pairs of salient crops count more, and with equal
weights (or ``gamma=0``) it is exactly mmpretrain's ``ContrastiveHead``.
``combine``, ``gamma`` and ``clamp`` are our choices; the paper does not
give its formula.

Two controls (ours) hand the same batch of weights out differently.
Saliency weights were measured to favour small crops (r = -0.27 with the
log crop area, coefficient of variation about 0.10), so a gain from them may
be an area effect rather than a reweighting by saliency.
``weight_mode='area'`` tells the two apart: each pair gets a weight by its
crop area alone (smallest area, largest weight) with exactly the saliency
weights' spread; if it gains as much as ``'saliency'``, the gain is the
area's. ``'shuffled'`` permutes the weights at random within the batch (the
placebo: same spread, no information). Both rank / permute each rank's own
pairs; the global mean stays 1.
"""
from __future__ import annotations
import abc
from typing import Dict, Mapping, Optional, Tuple

import torch
from mmengine.dist import all_reduce
from mmpretrain.models.heads import ContrastiveHead
from mmpretrain.registry import MODELS

from ...errors import OptionError
from ...random_state import RandomStateful

COMBINE = ('geometric', 'mean', 'min')
WEIGHT_MODES = ('saliency', 'area', 'shuffled')


def pair_weights(score_q, score_k, combine='geometric', gamma=1.0, clamp=None):
    """Un-normalised pair weights from the two crops' scores."""
    score_q = score_q.float().clamp_min(0)
    score_k = score_k.float().clamp_min(0)
    if combine == 'geometric':
        pair = (score_q * score_k).sqrt()
    elif combine == 'mean':
        pair = (score_q + score_k) / 2
    else:
        pair = torch.minimum(score_q, score_k)
    w = pair.pow(gamma)
    if clamp is not None:
        w = w.clamp(clamp[0], clamp[1])
    return w


def normalize_global_mean(weights, eps=1e-12):
    """Divide by the mean over all ranks' weights (no gradient)."""
    weights = weights.detach().float()
    stats = torch.stack([weights.sum(), weights.new_tensor(weights.numel())])
    all_reduce(stats)  # sum over ranks; a no-op without distributed
    return weights * (stats[1] / stats[0].clamp_min(eps))


class PairWeightedHead(abc.ABC):
    """The interface of a head whose loss weights each positive pair by
    its crops: ``loss(pos, neg, score_q, score_k, area_q=None,
    area_k=None)``. An algorithm (``SalSSL``) hands the crops' scores and
    areas to a head of this kind, and to no other; while ``uses_scores`` is
    True a batch without ``saliency_score`` is an error, not weights of 1.
    """

    @property
    def uses_scores(self) -> bool:
        return True

    @abc.abstractmethod
    def loss(self,
             pos: torch.Tensor,
             neg: torch.Tensor,
             score_q: Optional[torch.Tensor] = None,
             score_k: Optional[torch.Tensor] = None,
             area_q: Optional[torch.Tensor] = None,
             area_k: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The weighted loss of ``N`` pairs."""


@MODELS.register_module()
class SaliencyReweightedContrastiveHead(ContrastiveHead, PairWeightedHead,
                                        RandomStateful):
    """ContrastiveHead whose per-pair losses are weighted by saliency.

    Args:
        loss (dict): Loss config; its forward must take ``weight`` (e.g.
            ``dict(type='CrossEntropyLoss')``).
        temperature (float): InfoNCE temperature. Defaults to 0.1.
        combine (str): How the two crops' scores form the pair's:
            ``'geometric'``, ``'mean'`` or ``'min'``. Defaults to
            ``'geometric'``.
        gamma (float): Power of the pair score; 0 turns reweighting off.
            Defaults to 1.0.
        clamp (tuple[float, float], optional): Bounds of the weight before
            normalisation. Defaults to (0.1, 10.0).
        weight_mode (str): ``'saliency'`` (each pair its own weight),
            ``'area'`` (the batch's weights handed out by pair crop area,
            the largest weight to the smallest area; the area of a pair is
            the geometric mean of its two crops' area shares; ties keep
            batch order) or ``'shuffled'`` (randomly permuted within the
            batch). Defaults to ``'saliency'``.
        seed (int): Seed of the head's own generator for ``'shuffled'``
            (the global torch RNG is not touched). Defaults to 0.

    Attributes:
        last_weights (Tensor | None): The ``(N,)`` weights of the last
            :meth:`loss` call, detached, in pair order (None when it used
            none); what diagnostics (``CropStatsHook``) read.
    """

    def __init__(self,
                 loss: dict,
                 temperature: float = 0.1,
                 combine: str = 'geometric',
                 gamma: float = 1.0,
                 clamp: Optional[Tuple[float, float]] = (0.1, 10.0),
                 weight_mode: str = 'saliency',
                 seed: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(loss=loss, temperature=temperature, init_cfg=init_cfg)
        if combine not in COMBINE:
            raise OptionError(f'SaliencyReweightedContrastiveHead: combine '
                              f'must be one of {COMBINE}, got {combine!r}')
        if gamma < 0:
            raise OptionError('SaliencyReweightedContrastiveHead: gamma must '
                              f'be >= 0, got {gamma}')
        if clamp is not None and not 0 <= clamp[0] <= clamp[1]:
            raise OptionError('SaliencyReweightedContrastiveHead: clamp must '
                              f'be (low, high) with 0 <= low <= high, got '
                              f'{clamp}')
        if weight_mode not in WEIGHT_MODES:
            raise OptionError('SaliencyReweightedContrastiveHead: weight_mode '
                              f'must be one of {WEIGHT_MODES}, got '
                              f'{weight_mode!r}')
        self.weight_mode = weight_mode
        self.generator = torch.Generator().manual_seed(int(seed))
        self.last_weights: Optional[torch.Tensor] = None
        self.combine = combine
        self.gamma = float(gamma)
        self.clamp = tuple(clamp) if clamp is not None else None

    def rng_state(self) -> Dict[str, torch.Tensor]:
        """The state of ``'shuffled'``'s generator (:mod:`mmsal.random_state`,
        saved in checkpoints by ``ExactResumeHook``)."""
        return dict(shuffle=self.generator.get_state())

    def load_rng_state(self, state: Mapping[str, torch.Tensor]) -> None:
        self.generator.set_state(state['shuffle'])

    @property
    def uses_scores(self) -> bool:
        """False with ``gamma=0`` (every weight is then 1)."""
        return self.gamma != 0

    def weights(self, score_q: torch.Tensor,
                score_k: torch.Tensor) -> torch.Tensor:
        """Normalised (mean 1 over the global batch), detached weights."""
        w = pair_weights(score_q, score_k, self.combine, self.gamma,
                         self.clamp)
        return normalize_global_mean(w)

    def hand_out(self,
                 w: torch.Tensor,
                 area_q: Optional[torch.Tensor] = None,
                 area_k: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The weights ``w`` rearranged as ``weight_mode`` says."""
        if self.weight_mode == 'shuffled':
            return w[torch.randperm(len(w),
                                    generator=self.generator).to(w.device)]
        if self.weight_mode == 'saliency':
            return w
        if area_q is None or area_k is None:
            raise OptionError(
                "SaliencyReweightedContrastiveHead: weight_mode='area' needs "
                "the crops' areas: record crop_box with SaliencyMultiView and "
                "PackInputs(algorithm_keys=['saliency_score', 'crop_box'])")
        area = (area_q.float() * area_k.float()).sqrt().to(w.device)
        out = torch.empty_like(w)
        out[torch.argsort(area, stable=True)] = w.sort(descending=True)[0]
        return out

    def loss(self,
             pos: torch.Tensor,
             neg: torch.Tensor,
             score_q: Optional[torch.Tensor] = None,
             score_k: Optional[torch.Tensor] = None,
             area_q: Optional[torch.Tensor] = None,
             area_k: Optional[torch.Tensor] = None) -> torch.Tensor:
        """InfoNCE of ``N`` queries, each pair weighted.

        Args:
            pos (Tensor): ``(N, 1)`` positive logits (before temperature).
            neg (Tensor): ``(N, K)`` negative logits.
            score_q (Tensor, optional): ``(N,)`` scores of the query crops.
            score_k (Tensor, optional): ``(N,)`` scores of the key crops.
                Without scores every weight is 1 (ContrastiveHead).
            area_q (Tensor, optional): ``(N,)`` area shares of the query
                crops in their images; needed by ``weight_mode='area'``.
            area_k (Tensor, optional): ``(N,)`` those of the key crops.

        Returns:
            Tensor: The weighted mean loss.
        """
        logits = torch.cat((pos, neg), dim=1) / self.temperature
        target = torch.zeros(
            logits.shape[0], dtype=torch.long, device=logits.device)
        self.last_weights = None
        if score_q is None or score_k is None or self.gamma == 0:
            return self.loss_module(logits, target)
        w = self.weights(score_q.to(logits.device), score_k.to(logits.device))
        w = self.hand_out(w, area_q, area_k)
        self.last_weights = w.detach()
        return self.loss_module(logits, target, weight=w.to(logits.dtype))
