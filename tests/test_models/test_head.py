import os
import subprocess
import sys
import textwrap

import pytest
import torch
from mmpretrain.models.heads import ContrastiveHead

from mmsal.errors import OptionError
from mmsal.models import SaliencyReweightedContrastiveHead
from mmsal.models.heads import pair_weights
from ..conftest import REPO, free_port

LOSS = dict(type='CrossEntropyLoss')


def _logits(n=12, k=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, generator=g), torch.randn(n, k, generator=g)


def test_equal_weights_reproduce_contrastive_head():
    pos, neg = _logits()
    ref = ContrastiveHead(loss=LOSS, temperature=0.2).loss(pos, neg)
    head = SaliencyReweightedContrastiveHead(loss=LOSS, temperature=0.2)
    same = torch.full((12, ), 1.7)
    assert torch.allclose(head.loss(pos, neg, same, same), ref, atol=1e-6)
    assert torch.allclose(head.loss(pos, neg), ref, atol=1e-6)
    zero_gamma = SaliencyReweightedContrastiveHead(
        loss=LOSS, temperature=0.2, gamma=0)
    scores = torch.rand(12) * 3
    assert torch.allclose(
        zero_gamma.loss(pos, neg, scores, scores.flip(0)), ref, atol=1e-6)


def test_weights_have_mean_one_and_follow_scores():
    head = SaliencyReweightedContrastiveHead(loss=LOSS, clamp=None)
    sq = torch.tensor([1., 2., 4., 0.5])
    sk = torch.tensor([1., 2., 1., 0.5])
    w = head.weights(sq, sk)
    assert torch.allclose(w.mean(), torch.tensor(1.))
    raw = torch.tensor([1., 2., 2., 0.5])  # geometric means
    assert torch.allclose(w, raw / raw.mean())
    assert not w.requires_grad


def test_weighted_loss_is_the_weighted_mean():
    pos, neg = _logits(n=4)
    head = SaliencyReweightedContrastiveHead(
        loss=LOSS, temperature=0.5, gamma=2.0, clamp=None)
    sq = torch.tensor([1., 3., 0.5, 2.])
    per_pair = torch.nn.functional.cross_entropy(
        torch.cat([pos, neg], 1) / 0.5,
        torch.zeros(4, dtype=torch.long),
        reduction='none')
    w = sq.pow(2) / sq.pow(2).mean()
    assert torch.allclose(
        head.loss(pos, neg, sq, sq), (w * per_pair).mean(), atol=1e-6)


def test_combine_modes_and_clamp():
    sq, sk = torch.tensor([4., 1.]), torch.tensor([1., 1.])
    assert pair_weights(sq, sk, 'geometric').tolist() == [2., 1.]
    assert pair_weights(sq, sk, 'mean').tolist() == [2.5, 1.]
    assert pair_weights(sq, sk, 'min').tolist() == [1., 1.]
    assert pair_weights(
        sq * 100, sk, 'min', clamp=(0.1, 10.)).tolist() == [1., 1.]
    assert pair_weights(sq * 100, sk * 100, clamp=(0.1, 10.)).max() == 10.


@pytest.mark.parametrize('kwargs,match',
                         [(dict(combine='max'), 'combine'),
                          (dict(gamma=-1), 'gamma'),
                          (dict(clamp=(2, 1)), 'clamp'),
                          (dict(weight_mode='x'), 'weight_mode')])
def test_bad_options(kwargs, match):
    with pytest.raises(OptionError, match=match):
        SaliencyReweightedContrastiveHead(loss=LOSS, **kwargs)


SQ = torch.tensor([1., 2., 4., .5, 3., 1.5])
SK = torch.tensor([1., 2., 1., .5, 3., 1.])


def _used_weights(mode, **kwargs):
    """The weights ``mode`` used for SQ, SK (``last_weights``)."""
    head = SaliencyReweightedContrastiveHead(
        loss=LOSS, clamp=None, weight_mode=mode, **kwargs.pop('head', {}))
    pos, neg = _logits(n=6)
    loss = head.loss(pos, neg, SQ, SK, **kwargs)
    per_pair = torch.nn.functional.cross_entropy(
        torch.cat([pos, neg], 1) / head.temperature,
        torch.zeros(6, dtype=torch.long),
        reduction='none')
    w = head.last_weights
    assert torch.allclose(loss, (w * per_pair).mean(), atol=1e-6)  # used
    return w


def test_area_mode_hands_out_saliency_weights_by_area():
    sal = _used_weights('saliency')
    # pair areas sqrt(aq * ak): .3, .1, .6, .2, .1 (tie), .9
    area_q = torch.tensor([.09, .1, .36, .4, .01, .81])
    area_k = torch.tensor([1., .1, 1., .1, 1., 1.])
    w = _used_weights('area', area_q=area_q, area_k=area_k)
    assert torch.allclose(w.sort()[0], sal.sort()[0])  # same weights
    # smallest area -> largest weight; the tie (pairs 1, 4) in batch order
    order = [1, 4, 3, 0, 2, 5]
    assert torch.allclose(w[order], sal.sort(descending=True)[0])
    assert not torch.allclose(w, sal)


def test_shuffled_mode_permutes_reproducibly():
    sal = _used_weights('saliency')
    state = torch.random.get_rng_state()
    w = _used_weights('shuffled')
    assert torch.equal(torch.random.get_rng_state(), state)  # own generator
    assert torch.allclose(w.sort()[0], sal.sort()[0])
    assert not torch.allclose(w, sal)
    assert torch.equal(w, _used_weights('shuffled'))
    assert not torch.equal(w, _used_weights('shuffled', head=dict(seed=3)))


def test_area_mode_without_areas_names_the_fix():
    with pytest.raises(OptionError, match=r"crop_box.*PackInputs\(algo"):
        _used_weights('area')


def test_last_weights_are_kept_detached_or_none():
    head = SaliencyReweightedContrastiveHead(loss=LOSS, clamp=None)
    pos, neg = _logits(n=6)
    assert head.last_weights is None
    head.loss(pos.requires_grad_(), neg, SQ, SK)
    w = head.last_weights
    assert torch.allclose(w, head.weights(SQ, SK))
    assert not w.requires_grad
    head.loss(pos, neg)  # no scores: no weights
    assert head.last_weights is None


_GLOBAL_MEAN = textwrap.dedent('''
    import os, torch, mmsal
    from mmengine.dist import init_dist
    from mmsal.models.heads import normalize_global_mean
    init_dist('pytorch', backend='gloo')
    rank = torch.distributed.get_rank()
    w = torch.full((2, ), 1.0 if rank == 0 else 3.0)
    print('weights', normalize_global_mean(w).tolist(), flush=True)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
''')


def test_normalisation_spans_all_ranks(tmp_path):
    script = tmp_path / 'mean.py'
    script.write_text(_GLOBAL_MEAN)
    port = str(free_port())
    procs = [
        subprocess.Popen([sys.executable, str(script)],
                         cwd=REPO,
                         text=True,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         env=dict(
                             os.environ,
                             RANK=str(r),
                             LOCAL_RANK=str(r),
                             WORLD_SIZE='2',
                             MASTER_ADDR='127.0.0.1',
                             MASTER_PORT=port)) for r in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs[0][1][-2000:]
    # global mean is 2: rank 0's weights 0.5, rank 1's 1.5
    assert 'weights [0.5, 0.5]' in outs[0][0]
    assert 'weights [1.5, 1.5]' in outs[1][0]
