"""SalSSL: saliency-guided contrastive learning on mmpretrain's MoCo.

The crops come from ``SaliencyCrop`` (salient regions preferred, each with a
``saliency_score``); the loss is ``SaliencyReweightedContrastiveHead``'s
InfoNCE, each positive pair weighted by its two crops' scores (the crops'
area shares, from ``crop_box``, go with them for the head's area control,
``weight_mode='area'``). Everything else (queue, momentum encoder
``encoder_k``, shuffle-BN) is MoCo's. Next to the loss it logs three mean
cosines (:func:`pair_similarity`) that tell real instance discrimination
from a queue-age shortcut.

Views: ``inputs[0]`` is the query crop, ``inputs[1]`` the key crop (with
``symmetric=True`` each is also the other's key).
"""
from __future__ import annotations
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmpretrain.models.selfsup import MoCo
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp
from mmpretrain.registry import MODELS

from ...errors import OptionError
from ...saliency.maps import as_feature_map, stage_module
from ..heads import PairWeightedHead

if TYPE_CHECKING:
    from mmpretrain.structures import DataSample


@torch.no_grad()
def pair_similarity(q, k, l_neg):
    """Logged next to the loss: mean cosine of each query with its own key
    (``cos_pos``), with the other fresh keys of the step (``cos_batch``)
    and with the queue (``cos_queue``, from the negative logits ``l_neg``).
    ``cos_pos`` above ``cos_batch`` means images are told apart;
    ``cos_batch`` above ``cos_queue`` alone means the keys are found by
    when they were encoded (docs/results_history.md, the rising loss)."""
    n = q.shape[0]
    sim = q @ k.t()
    off = (sim.sum() - sim.diagonal().sum()) / max(n * n - n, 1)
    return dict(
        cos_pos=sim.diagonal().mean(), cos_batch=off, cos_queue=l_neg.mean())


@MODELS.register_module()
class SalSSL(MoCo):
    """MoCo with saliency-guided crops and saliency-weighted pairs.

    Args:
        backbone (dict): Backbone config (any mmpretrain backbone).
        neck (dict): Projection neck config, e.g. ``MoCoV2Neck``.
        head (dict): ``SaliencyReweightedContrastiveHead`` config (a plain
            ``ContrastiveHead`` also works, without reweighting).
        queue_len (int): Negative keys kept. Defaults to 65536.
        feat_dim (int): Embedding size. Defaults to 128.
        momentum (float): 1 - EMA coefficient of the key encoder. Defaults
            to 0.001.
        symmetric (bool): Also contrast view 1's query with view 0's key
            and average the two directions; only view 1's keys are
            enqueued, as in MoCo. Defaults to False.
        channels_last (bool): Keep the weights and feed the views in
            ``torch.channels_last`` memory format (faster convolutions on
            recent GPUs; docs/benchmarks.md). Defaults to False.
        **kwargs: ``data_preprocessor``, ``init_cfg``, ``pretrained``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.001,
                 symmetric: bool = False,
                 channels_last: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            queue_len=queue_len,
            feat_dim=feat_dim,
            momentum=momentum,
            **kwargs)
        self.symmetric = symmetric
        self.channels_last = channels_last
        if channels_last:  # before the runner wraps the model in DDP
            self.to(memory_format=torch.channels_last)
        # the data samples of the last step, as the model saw them (flips
        # drawn on the device included): the online saliency update reads
        # them with the key maps
        self.last_samples: Optional[List[DataSample]] = None
        self._keep_key_maps = False  # see keep_key_maps()
        self._key_map_stage: Optional[int] = None
        self._key_maps: Dict[int, torch.Tensor] = {}

    def keep_key_maps(self,
                      enabled: bool = True,
                      stage: Optional[int] = None) -> None:
        """Keep each key view's feature map of the coming steps, for the
        online saliency update (no extra forward pass).

        Args:
            enabled (bool): Keep them from the next step on. Defaults to
                True.
            stage (int, optional): Keep this residual stage's output of the
                momentum backbone instead of its last output. Defaults to
                None.
        """
        if stage is not None:
            stage_module(self.encoder_k.module[0], stage)  # must exist
        self._keep_key_maps = bool(enabled)
        self._key_map_stage = stage
        self._key_maps = {}

    def pop_key_maps(self) -> Dict[int, torch.Tensor]:
        """The kept feature maps of the last step, ``{view: (B, C, h, w)}``
        in batch order, and forget them. Empty when not kept."""
        maps, self._key_maps = self._key_maps, {}
        return maps

    def view_scores(self, data_samples: Sequence[DataSample],
                    num_views: int) -> torch.Tensor:
        """``(B, V)`` crop scores from the data samples. Without them:
        ones, or, when the head weights pairs by them
        (:class:`~mmsal.models.heads.PairWeightedHead`), a one-line error
        naming the key and the pipeline entry that packs it."""
        if data_samples and 'saliency_score' in data_samples[0]:
            scores = np.stack([ds.saliency_score for ds in data_samples])
            return torch.as_tensor(scores, dtype=torch.float32)
        if isinstance(self.head, PairWeightedHead) and self.head.uses_scores:
            raise OptionError(
                f'SalSSL: the head ({type(self.head).__name__}) weights pairs '
                "by 'saliency_score', but the data samples carry none: end "
                "train_pipeline with PackInputs(algorithm_keys=["
                "'saliency_score', 'crop_box']) after SaliencyMultiView")
        return torch.ones(len(data_samples or []), num_views)

    @staticmethod
    def view_areas(
            data_samples: Sequence[DataSample]) -> Optional[torch.Tensor]:
        """``(B, V)`` area shares of the crops in their images, from
        ``crop_box`` and ``ori_shape``; None where the pipeline recorded no
        boxes (or NaN ones, e.g. plain RandomResizedCrop)."""
        if not data_samples or not all('crop_box' in ds and 'ori_shape' in ds
                                       for ds in data_samples):
            return None
        boxes = torch.as_tensor(
            np.stack(
                [np.asarray(ds.crop_box, np.float64) for ds in data_samples]))
        if not bool(torch.isfinite(boxes).all()):
            return None
        sizes = torch.as_tensor(
            [float(np.prod(ds.ori_shape[:2])) for ds in data_samples],
            dtype=torch.float64)
        wh = (boxes[..., 2:] - boxes[..., :2]).clamp_min(0)
        return (wh.prod(-1) / sizes.clamp_min(1)[:, None]).float()

    def _query(self, img):
        return nn.functional.normalize(self.neck(self.backbone(img))[0], dim=1)

    @torch.no_grad()
    def _key(self, img, view=None):
        img, idx_unshuffle = batch_shuffle_ddp(img)
        backbone, neck = self.encoder_k.module  # = encoder_k(img), split
        kept = {}
        stage = self._key_map_stage if self._keep_key_maps else None
        if stage is not None:  # the stage's map, from this same pass
            hook = lambda module, args, out: kept.update(out=out)  # noqa
            handle = stage_module(backbone, stage).register_forward_hook(hook)
            try:
                feats = backbone(img)
            finally:
                handle.remove()
        else:
            feats = backbone(img)
        k = nn.functional.normalize(neck(feats)[0], dim=1)
        if self._keep_key_maps:  # for the online saliency update
            fmap = kept.get('out', feats)
            self._key_maps[view] = batch_unshuffle_ddp(
                as_feature_map(fmap).contiguous(), idx_unshuffle)
        return batch_unshuffle_ddp(k, idx_unshuffle)

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs: Any) -> Dict[str, torch.Tensor]:
        """Weighted InfoNCE over all (query, key) pairs of the batch."""
        if not isinstance(inputs, list) or len(inputs) != 2:
            raise OptionError(
                'SalSSL: the pipeline must give 2 views per image '
                '(SaliencyMultiView(num_views=2, ...)); got '
                f'{len(inputs) if isinstance(inputs, list) else inputs!r}')
        if self.channels_last:
            inputs = [
                x.contiguous(memory_format=torch.channels_last) for x in inputs
            ]
        self.last_samples = data_samples
        scores = self.view_scores(data_samples, len(inputs))
        scores = scores.to(inputs[0].device)
        pairs = [(0, 1)] + ([(1, 0)] if self.symmetric else [])
        # Same order as MoCo: queries, then the EMA update, then the keys.
        queries = {
            v: self._query(inputs[v])
            for v in sorted({v
                             for v, _ in pairs})
        }
        with torch.no_grad():
            self.encoder_k.update_parameters(
                nn.Sequential(self.backbone, self.neck))
        self._key_maps = {}
        keys = {
            g: self._key(inputs[g], g)
            for g in sorted({g
                             for _, g in pairs})
        }
        queue = self.queue.clone().detach()
        q = torch.cat([queries[v] for v, _ in pairs])
        k = torch.cat([keys[g] for _, g in pairs])
        l_pos = torch.einsum('nc,nc->n', q, k).unsqueeze(-1)
        l_neg = torch.einsum('nc,ck->nk', q, queue)
        score_q = torch.cat([scores[:, v] for v, _ in pairs])
        score_k = torch.cat([scores[:, g] for _, g in pairs])
        areas = self.view_areas(data_samples)
        area_q = area_k = None
        if areas is not None:  # same pair order as the scores
            areas = areas.to(inputs[0].device)
            area_q = torch.cat([areas[:, v] for v, _ in pairs])
            area_k = torch.cat([areas[:, g] for _, g in pairs])
        if isinstance(self.head, PairWeightedHead):
            loss = self.head.loss(
                l_pos, l_neg, score_q, score_k, area_q=area_q, area_k=area_k)
        else:
            loss = self.head.loss(l_pos, l_neg)
        self._dequeue_and_enqueue(keys[1])
        return dict(
            loss=loss,
            **pair_similarity(queries[0], keys[1],
                              l_neg[:queries[0].shape[0]]))
