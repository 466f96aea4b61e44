"""SaliencyHook(update='online' | 'hybrid') in real training runs."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmsal.models.data_preprocessors import move_view_augment
from mmsal.saliency import SaliencyStore
from ..conftest import TINY_DEMO, TINY_SALIENCY_HOOK, ok, run_tool, tiny_config


def _hook(update):
    return [dict(TINY_SALIENCY_HOOK, update=update)]


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_online_updates_fill_the_store_and_survive_resume(demo_root, tmp_path):
    cfg = tiny_config(
        tmp_path / 'cfg.py', demo_root, custom_hooks=_hook('online'))
    work = str(tmp_path / 'work')
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp_path)))
    assert 'refreshed' not in log  # no full pass in online mode
    # 6 steps x 4 key crops in epoch 2, none in the warm-up epoch
    assert re.search(r'online update in epoch 2: online_writes 24\.000', log)
    assert 'online update in epoch 1' not in log
    ckpt = _load(osp.join(work, 'epoch_2.pth'))
    first = _load(osp.join(work, 'epoch_1.pth'))
    assert not bool(first['saliency_store']['valid'].any())
    seen = ckpt['saliency_online']['seen']
    valid = ckpt['saliency_store']['valid']
    assert torch.equal(valid, seen.flatten(1).any(1)) and bool(valid.any())
    # partly seen maps: 1 somewhere, 0 somewhere (min-max over seen cells)
    maps = ckpt['saliency_store']['maps'].float()[valid]
    assert bool((maps.flatten(1).max(1).values == 1).all())

    # resume: the online-updated store and running grids come back
    store = SaliencyStore(TINY_DEMO['num_train'], 7)
    store.load_state_dict(ckpt['saliency_store'])
    log = ok(
        run_tool([
            'train.py', cfg, '--work-dir', work, '--resume', '--cfg-options',
            'train_cfg.max_epochs=3'
        ],
                 cwd=str(tmp_path)))
    assert ('restored the store from the checkpoint '
            f'({int(valid.sum())} valid maps, checksum '
            f'{store.checksum():08x})') in log
    last = _load(osp.join(work, 'epoch_3.pth'))['saliency_online']
    assert bool((last['seen'] | ~seen).all())  # seen cells stay seen
    assert int(last['seen'].sum()) >= int(seen.sum())


def test_hybrid_starts_from_one_full_pass(demo_root, tmp_path):
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        custom_hooks=_hook('hybrid'),
        train_cfg=dict(max_epochs=3))
    work = str(tmp_path / 'work')
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp_path)))
    assert log.count('SaliencyHook: refreshed') == 1  # before epoch 2 only
    assert 'refreshed 24 maps before epoch 2' in log
    online = _load(osp.join(work, 'epoch_3.pth'))['saliency_online']
    assert bool(online['seen'].all())  # the full pass saw every cell


class PairRecorder(Hook):
    """Wraps the head's ``weights`` to keep every step's pair scores and
    weights, and counts the online store writes per step."""

    def __init__(self):
        self.calls, self.writes, self.flips = [], [], []

    def before_train(self, runner):
        head = runner.model.head
        original = head.weights

        def weights(score_q, score_k):
            w = original(score_q, score_k)
            self.calls.append(
                (runner.epoch, score_q.clone(), score_k.clone(), w.clone()))
            return w

        head.weights = weights

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        # what SaliencyHook's online update reads after the step
        self.flips += [
            bool(f) for s in runner.model.last_samples for f in s.flip
        ]

    def after_train_epoch(self, runner):
        hook = next(
            h for h in runner.hooks if type(h).__name__ == 'SaliencyHook')
        self.writes.append(hook._writes)


COMBINED = dict(min=torch.minimum, mean=lambda q, k: (q + k) / 2)


@pytest.mark.parametrize('combine, augment_on', [('min', 'cpu'),
                                                 ('mean', 'device')])
def test_symmetric_combine_online_in_training(demo_root, tmp_path, combine,
                                              augment_on):
    """symmetric=True and combine='min' / 'mean' with online updates: both
    views are queries and keys, pair weights are the normalised combination
    of the two crops' scores, and both key crops of every image update the
    store; the same with the colour and flip augmentations on the device
    (their flips reach the update through the data samples)."""
    cfg = Config.fromfile(
        tiny_config(
            tmp_path / 'cfg.py',
            demo_root,
            custom_hooks=_hook('online'),
            model=dict(
                queue_len=16,
                symmetric=True,
                head=dict(combine=combine, gamma=1.0, clamp=None)),
            train_cfg=dict(max_epochs=3)))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.augment_on = augment_on
    move_view_augment(cfg)
    runner = Runner.from_cfg(cfg)
    assert (type(runner.model.data_preprocessor).__name__ == 'ViewAugment'
            'Preprocessor') == (
                augment_on == 'device')
    recorder = PairRecorder()
    runner.register_hook(recorder, priority='HIGH')  # before SaliencyHook
    runner.train()
    # 6 steps x 4 images x 2 key crops per epoch after warm-up
    assert recorder.writes == [0, 48, 48]
    # the update sees the views' flips, wherever they were drawn
    assert len(recorder.flips) == 3 * 6 * 4 * 2
    assert 0.3 < sum(recorder.flips) / len(recorder.flips) < 0.7
    # each image is first measured by its own step in epoch 2: scores
    # (and weights) differ from 1 from epoch 3 on
    guided = [c for c in recorder.calls if c[0] >= 1]
    assert len(guided) == 12
    for _, s_q, s_k, w in guided:
        assert s_q.shape == (8, )  # 4 images x 2 directions
        # the two directions of one image swap query and key
        assert torch.equal(s_q[:4], s_k[4:]) and torch.equal(s_k[:4], s_q[4:])
        expected = COMBINED[combine](s_q, s_k)
        expected = expected / expected.mean()
        assert torch.allclose(w, expected, atol=1e-5)
    assert any(not torch.allclose(c[3], torch.ones(8)) for c in guided
               if c[0] == 2)
