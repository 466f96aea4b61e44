"""Cosine kNN classification on frozen features.

The protocol of Wu et al. (2018), used by DINO and solo-learn: L2-normalised
global features; each test sample votes with its ``k`` most similar training
samples, each vote weighted ``exp(similarity / temperature)``.
"""
import torch
import torch.nn.functional as F
from mmengine.dist import collect_results, get_dist_info

from ..errors import OptionError


def global_features(backbone, imgs):
    """L2-normalised global features: the last backbone output, average
    pooled if spatial, ViT tokens averaged."""
    feat = backbone(imgs)
    feat = feat[-1] if isinstance(feat, (tuple, list)) else feat
    if feat.dim() == 4:
        feat = feat.mean((2, 3))
    elif feat.dim() == 3:
        feat = feat.mean(1)
    return F.normalize(feat.float(), dim=1)


def _normalise_inputs(data_preprocessor, inputs):
    """Run a model's data preprocessor on a uint8 image batch; works for
    mmpretrain's self-supervised (list of views) and classification
    preprocessors."""
    try:
        out = data_preprocessor(
            dict(inputs=[inputs], data_samples=None), False)
        x = out['inputs']
        return x[0] if isinstance(x, (list, tuple)) else x
    except (TypeError, AttributeError, AssertionError):
        return data_preprocessor(
            dict(inputs=inputs, data_samples=None), False)['inputs']


@torch.no_grad()
def extract_features(backbone, data_preprocessor, loader, progress=None):
    """Features and labels of every sample of ``loader`` (all ranks; the
    gathered result is returned on rank 0, None elsewhere).

    The loader yields mmpretrain-packed batches (``inputs``, and
    ``data_samples`` with ``gt_label``).
    """
    was_training = backbone.training
    backbone.eval()
    part = []
    try:
        for batch in loader:
            inputs = batch['inputs']
            if isinstance(inputs, (list, tuple)):  # pseudo_collate
                inputs = torch.stack(list(inputs))
            x = _normalise_inputs(data_preprocessor, inputs)
            feats = global_features(backbone, x).cpu()
            labels = [int(ds.gt_label[0]) for ds in batch['data_samples']]
            part.extend(zip(feats, labels))
            if progress is not None:
                progress.update(len(labels))
    finally:
        backbone.train(was_training)
    rank, world = get_dist_info()
    if world > 1:
        merged = collect_results(part, len(loader.dataset), device='cpu')
        if rank != 0:
            return None
        part = merged
    feats = torch.stack([f for f, _ in part])
    labels = torch.tensor([lab for _, lab in part], dtype=torch.long)
    return feats, labels


def knn_predict(train_feats,
                train_labels,
                test_feats,
                k=20,
                temperature=0.07,
                num_classes=None,
                chunk=1024):
    """Class scores ``(N_test, num_classes)`` by weighted kNN voting."""
    if k < 1 or temperature <= 0:
        raise OptionError(f'kNN: k must be >= 1 and temperature > 0, got '
                          f'k={k}, temperature={temperature}')
    num_classes = num_classes or int(train_labels.max()) + 1
    k = min(k, len(train_feats))
    out = []
    for start in range(0, len(test_feats), chunk):
        sim = test_feats[start:start + chunk] @ train_feats.T
        top_sim, top_idx = sim.topk(k, dim=1)
        votes = torch.zeros(len(sim), num_classes)
        votes.scatter_add_(1, train_labels[top_idx],
                           (top_sim / temperature).exp())
        out.append(votes)
    return torch.cat(out)


def knn_accuracy(train_feats,
                 train_labels,
                 test_feats,
                 test_labels,
                 k=20,
                 temperature=0.07,
                 topk=(1, 5)):
    """Top-k accuracies (in %) of kNN classification."""
    num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    scores = knn_predict(train_feats, train_labels, test_feats, k, temperature,
                         num_classes)
    ranked = scores.argsort(dim=1, descending=True)
    hits = ranked == test_labels[:, None]
    return {
        f'top{n}':
        float(hits[:, :min(n, num_classes)].any(1).float().mean() * 100)
        for n in topk
    }
