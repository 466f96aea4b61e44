import pytest
import torch
import torch.nn as nn

from mmsal.errors import OptionError
from mmsal.saliency import (as_feature_map, compute_saliency, find_encoder,
                            normalize_maps)


class Planted(nn.Module):
    """A 'backbone' that returns a fixed feature map."""

    def __init__(self, feat):
        super().__init__()
        self.feat = feat

    def forward(self, x):
        return (self.feat[:x.shape[0]], )


class PoolNeck(nn.Module):
    """Global average pooling as projection (like a neck, no weights)."""

    def forward(self, x):
        return [x[0].mean((2, 3))]


def _blob(b=2, c=16, size=8, at=(5, 2), seed=0):
    g = torch.Generator().manual_seed(seed)
    feat = 0.1 * torch.rand(b, c, size, size, generator=g)
    direction = torch.rand(c, generator=g)
    feat[:, :, at[0], at[1]] += 5 * direction
    return feat


@pytest.mark.parametrize('source', ['activation', 'similarity'])
def test_blob_is_the_maximum(source):
    feat = _blob()
    maps, valid = compute_saliency(
        Planted(feat),
        PoolNeck(),
        torch.zeros(2, 3, 32, 32),
        source=source,
        map_size=8)
    assert maps.shape == (2, 8, 8) and valid.all()
    assert maps.min() >= 0 and maps.max() <= 1
    for m in maps:
        assert divmod(int(m.argmax()), 8) == (5, 2)


def test_activation_l2_and_resized_map():
    maps, _ = compute_saliency(
        Planted(_blob(size=14, at=(10, 3))),
        None,
        torch.zeros(2, 3, 8, 8),
        stat='l2',
        map_size=7)
    assert divmod(int(maps[0].argmax()), 7) == (5, 1)  # 14x14 pooled to 7x7


def test_flat_and_nan_maps():
    flat = torch.ones(1, 4, 6, 6)
    maps, valid = compute_saliency(
        Planted(flat), None, torch.zeros(1, 3, 8, 8), map_size=6)
    assert valid.all() and torch.equal(maps, torch.ones(1, 6, 6))
    bad = _blob(b=2)
    bad[1, :, 0, 0] = float('nan')
    maps, valid = compute_saliency(
        Planted(bad), None, torch.zeros(2, 3, 8, 8), map_size=8)
    assert valid.tolist() == [True, False]
    assert torch.isfinite(maps).all()
    out, ok = normalize_maps(torch.tensor([[[1., float('inf')], [0., 2.]]]))
    assert not ok.any() and torch.isfinite(out).all()


def test_vit_tokens_become_a_grid():
    tokens = torch.zeros(1, 1 + 16, 8)
    tokens[0, 0] = 100.  # class token: dropped
    tokens[0, 1 + 6] = 3.  # patch (1, 2) of a 4x4 grid
    grid = as_feature_map(tokens)
    assert grid.shape == (1, 8, 4, 4)
    assert divmod(int(grid.mean(1)[0].argmax()), 4) == (1, 2)
    with pytest.raises(OptionError, match='spatial feature map'):
        as_feature_map(torch.zeros(1, 7, 8))


def test_options_are_named():
    with pytest.raises(OptionError, match='source'):
        compute_saliency(
            Planted(_blob()), None, torch.zeros(1, 3, 8, 8), source='gradcam')
    with pytest.raises(OptionError, match='encoder'):
        find_encoder(nn.Module(), 'ema')


def test_find_encoder():
    from mmpretrain.models import MoCo, SimSiam
    moco = MoCo(
        backbone=dict(type='ResNet', depth=18),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=512,
            hid_channels=32,
            out_channels=16),
        head=dict(type='ContrastiveHead', loss=dict(type='CrossEntropyLoss')),
        queue_len=32,
        feat_dim=16)
    backbone, neck = find_encoder(moco, 'momentum')
    assert backbone is moco.encoder_k.module[0]
    assert neck is moco.encoder_k.module[1]
    assert find_encoder(moco, 'online') == (moco.backbone, moco.neck)
    simsiam = SimSiam(
        backbone=dict(type='ResNet', depth=18),
        neck=dict(
            type='NonLinearNeck',
            in_channels=512,
            hid_channels=32,
            out_channels=16,
            num_layers=2,
            with_avg_pool=True),
        head=dict(
            type='LatentPredictHead',
            loss=dict(type='CosineSimilarityLoss'),
            predictor=dict(
                type='NonLinearNeck',
                in_channels=16,
                hid_channels=8,
                out_channels=16,
                with_avg_pool=False)))
    with pytest.raises(OptionError, match="encoder='online'"):
        find_encoder(simsiam, 'momentum')


def test_stage_features_end_the_pass_early():
    from mmpretrain.models.backbones import ResNet

    from mmsal.saliency.maps import backbone_features
    net = ResNet(depth=18)
    net.eval()  # mmpretrain's ResNet.train() returns None
    imgs = torch.randn(2, 3, 64, 64)
    later = []
    net.layer4.register_forward_hook(lambda *a: later.append(1))
    with torch.no_grad():
        full = {}
        net.layer3.register_forward_hook(lambda m, a, out: full.update(o=out))
        net(imgs)
        assert later == [1]
        early = backbone_features(net, imgs, stage=2)
    assert torch.equal(early, full['o']) and early.shape[-1] == 4
    assert later == [1]  # layer4 did not run for the stage's features
