import numpy as np
import pytest
import torch
from mmpretrain.models import MoCo
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmsal  # noqa: F401
from mmsal.models.algorithms.salssl import pair_similarity

HEAD = dict(
    type='SaliencyReweightedContrastiveHead',
    loss=dict(type='CrossEntropyLoss'),
    temperature=0.2)


def _cfg(backbone=None, in_channels=512, **kwargs):
    cfg = dict(
        type='SalSSL',
        queue_len=16,
        feat_dim=8,
        momentum=0.01,
        backbone=backbone or dict(type='ResNet', depth=18),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=in_channels,
            hid_channels=16,
            out_channels=8,
            with_avg_pool=True),
        head=dict(HEAD))
    cfg.update(kwargs)
    return cfg


def _samples(scores, boxes=None, shape=(100, 200)):
    out = []
    for i, row in enumerate(scores):
        ds = DataSample()
        ds.set_field(np.asarray(row, np.float32), 'saliency_score')
        if boxes is not None:  # as SaliencyMultiView and PackInputs
            ds.set_field(np.asarray(boxes[i], np.float32), 'crop_box')
            ds.set_metainfo(dict(ori_shape=shape, sample_idx=i))
        out.append(ds)
    return out


def _views(n_views=2, b=4, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 3, size, size, generator=g) for _ in range(n_views)]


def _twin(cfg_a, cfg_b):
    """Two models with the same weights, queue and key encoder."""
    torch.manual_seed(0)
    a = MODELS.build(cfg_a)
    b = MODELS.build(cfg_b)
    b.load_state_dict(a.state_dict())
    return a, b


def test_gamma_zero_is_moco():
    moco_cfg = _cfg()
    moco_cfg.update(
        type='MoCo',
        head=dict(
            type='ContrastiveHead',
            loss=dict(type='CrossEntropyLoss'),
            temperature=0.2))
    moco, sal = _twin(moco_cfg, _cfg(head=dict(HEAD, gamma=0.)))
    assert isinstance(moco, MoCo) and type(sal).__name__ == 'SalSSL'
    moco.train(), sal.train()
    views = _views()
    scores = np.random.default_rng(0).uniform(0.2, 3, (4, 2))
    ref = moco.loss(views, _samples(scores))['loss']
    out = sal.loss(views, _samples(scores))['loss']
    assert torch.allclose(out, ref, atol=1e-6)
    # same keys enqueued (up to the order of shuffle-BN's random permutation)
    assert torch.allclose(moco.queue, sal.queue, atol=1e-6)


def test_scores_change_the_loss_and_ones_do_not():
    views = _views()
    a, b = _twin(_cfg(), _cfg())
    even = a.loss(views, _samples(np.ones((4, 2))))['loss']
    skewed = b.loss(views, _samples([[4, 4], [.25, .25], [1, 1], [1, 1]]))
    assert not torch.allclose(even, skewed['loss'])


def test_symmetric_pairs_and_two_views_only():
    from mmsal.errors import OptionError
    model = MODELS.build(_cfg(symmetric=True))
    views = _views(2)
    seen = {}
    original = model.head.loss

    def spy(pos, neg, score_q=None, score_k=None, **areas):
        seen['n'] = pos.shape[0]
        seen['score_q'] = score_q
        return original(pos, neg, score_q, score_k, **areas)

    model.head.loss = spy
    scores = np.array([[1, 2]] * 4, np.float32)
    loss = model.loss(views, _samples(scores))['loss']
    loss.backward()
    # (0,1) and (1,0): each view is the other's query once
    assert seen['n'] == 2 * 4
    assert seen['score_q'].tolist() == [1.] * 4 + [2.] * 4
    assert model.backbone.conv1.weight.grad is not None
    assert int(model.queue_ptr) == 4  # only view 1's keys enqueued
    with pytest.raises(OptionError, match='2 views per image'):
        model.loss(views + _views(1, size=16), _samples(np.ones((4, 3))))


def test_crop_areas_reach_the_head_in_pair_order():
    from mmsal.errors import OptionError
    model = MODELS.build(
        _cfg(symmetric=True, head=dict(HEAD, weight_mode='area')))
    seen = {}
    original = model.head.loss

    def spy(pos, neg, score_q, score_k, area_q=None, area_k=None):
        seen.update(area_q=area_q, area_k=area_k)
        return original(pos, neg, score_q, score_k, area_q, area_k)

    model.head.loss = spy
    # images 100 x 200: view 0 covers 1/2, 1/4, ...; view 1 always 1/8
    boxes = [[[0, 0, 200 / 2**b, 100], [0, 0, 50, 50]] for b in range(1, 5)]
    scores = np.random.default_rng(0).uniform(0.5, 2, (4, 2))
    model.loss(_views(), _samples(scores, boxes))
    first = [1 / 2, 1 / 4, 1 / 8, 1 / 16]
    assert seen['area_q'].tolist() == first + [1 / 8] * 4  # (0,1), (1,0)
    assert seen['area_k'].tolist() == [1 / 8] * 4 + first
    # largest weight to the smallest pair area (image 3's, twice)
    w = model.head.last_weights
    assert w.argmax().item() in (3, 7) and w.argmin().item() in (0, 4)
    # no boxes recorded (plain RandomResizedCrop): no areas, area mode fails
    nan = [[[np.nan] * 4] * 2] * 4
    assert model.view_areas(_samples(scores, nan)) is None
    assert model.view_areas(_samples(scores)) is None
    with pytest.raises(OptionError, match='crop_box'):
        model.loss(_views(), _samples(scores, nan))


@pytest.mark.parametrize('backbone,channels,size', [
    (dict(type='ResNet', depth=18), 512, 64),
    (dict(type='ResNet', depth=50), 2048, 64),
    (dict(type='ConvNeXt', arch='atto', gap_before_final_norm=False), 320, 64),
    (dict(
        type='VisionTransformer',
        arch='deit-tiny',
        img_size=64,
        patch_size=8,
        out_type='featmap'), 192, 64),
])
def test_backbones_train_and_give_maps(backbone, channels, size):
    model = MODELS.build(_cfg(backbone=backbone, in_channels=channels))
    views = _views(b=2, size=size)
    loss = model.loss(views, _samples(np.ones((2, 2))))['loss']
    assert torch.isfinite(loss)
    loss.backward()
    from mmsal.saliency import compute_saliency, find_encoder
    for encoder in ('momentum', 'online'):
        for source in ('activation', 'similarity'):
            model.eval()
            maps, valid = compute_saliency(
                *find_encoder(model, encoder),
                views[0],
                source=source,
                map_size=7)
            assert maps.shape == (2, 7, 7) and valid.all()
            assert maps.min() >= 0 and maps.max() <= 1
            assert (maps.flatten(1).max(1).values == 1).all()


def test_key_maps_kept_for_online_updates():
    from mmsal.errors import OptionError
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    views = _views(size=64)
    samples = _samples(np.ones((4, 2)))
    model.loss(views, samples)
    assert model.pop_key_maps() == {}  # off unless SaliencyHook asks
    model.keep_key_maps(True)
    model.loss(views, samples)
    kept = model.pop_key_maps()
    assert set(kept) == {1}  # the key view
    assert kept[1].shape == (4, 512, 2, 2)  # last stage, 64 px
    assert model.pop_key_maps() == {}  # popped
    model.keep_key_maps(True, stage=1)
    model.loss(views, samples)
    kept = model.pop_key_maps()
    assert kept[1].shape == (4, 128, 8, 8)  # layer2
    # the same feature map as running the momentum backbone's stages
    backbone = model.encoder_k.module[0]
    with torch.no_grad():
        x = backbone.maxpool(
            backbone.relu(backbone.norm1(backbone.conv1(views[1]))))
        ref = backbone.layer2(backbone.layer1(x))
    assert torch.allclose(kept[1], ref, atol=1e-5)
    with pytest.raises(OptionError, match='has 4 residual stages'):
        model.keep_key_maps(True, stage=7)
    model.keep_key_maps(False)
    model.loss(views, samples)
    assert model.pop_key_maps() == {}


def test_pair_similarity_on_planted_keys():
    q = torch.eye(4)
    k = torch.eye(4)
    k[1] = torch.tensor([0.6, 0.8, 0., 0.])  # key 1 leans towards query 0
    queue = torch.zeros(4, 3)
    queue[2] = 1.  # every queue key is e2
    s = pair_similarity(q, k, q @ queue)
    assert s['cos_pos'].item() == pytest.approx((1 + 0.8 + 1 + 1) / 4)
    assert s['cos_batch'].item() == pytest.approx(0.6 / 12)
    assert s['cos_queue'].item() == pytest.approx(1 / 4)


def test_loss_logs_the_similarities():
    model = MODELS.build(_cfg())
    model.train()
    out = model.loss(_views(), _samples(np.ones((4, 2))))
    assert set(out) == {'loss', 'cos_pos', 'cos_batch', 'cos_queue'}
    assert out['loss'].requires_grad
    for key in ('cos_pos', 'cos_batch', 'cos_queue'):
        assert not out[key].requires_grad and -1 <= out[key].item() <= 1
    # mmengine sums only the keys named *loss*: the total is the loss
    _, log_vars = model.parse_losses(out)
    assert log_vars['loss'].item() == pytest.approx(out['loss'].item())
    assert set(log_vars) == set(out)


def test_channels_last_same_loss_in_that_format():
    """channels_last=True: weights (query and key encoder) and the views the
    backbone sees are channels_last; the loss is the contiguous model's."""
    plain, fast = _twin(_cfg(), _cfg(channels_last=True))
    conv = fast.backbone.conv1.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert not conv.is_contiguous()
    key_conv = fast.encoder_k.module[0].conv1.weight
    assert key_conv.is_contiguous(memory_format=torch.channels_last)
    seen = []
    fast.backbone.conv1.register_forward_hook(lambda m, args, out: seen.append(
        args[0].is_contiguous(memory_format=torch.channels_last)))
    views, scores = _views(), _samples(np.ones((4, 2)))
    ref = plain.loss(views, scores)['loss']
    out = fast.loss(views, scores)['loss']
    assert seen == [True] and torch.allclose(out, ref, atol=1e-5)


def test_a_reweighting_head_without_scores_stops_in_one_line():
    from mmsal.errors import OptionError
    model = MODELS.build(_cfg())
    with pytest.raises(OptionError) as err:
        model.loss(_views(), [DataSample() for _ in range(4)])
    message = str(err.value)
    assert "'saliency_score'" in message and '\n' not in message
    assert "PackInputs(algorithm_keys=['saliency_score', 'crop_box'])" in \
        message
    # gamma=0 and a plain ContrastiveHead use no scores: weights of one
    for head in (dict(HEAD, gamma=0.),
                 dict(
                     type='ContrastiveHead',
                     loss=dict(type='CrossEntropyLoss'),
                     temperature=0.2)):
        plain = MODELS.build(_cfg(head=head))
        loss = plain.loss(_views(), [DataSample() for _ in range(4)])['loss']
        assert torch.isfinite(loss)
