"""benchmarks.instance_probe_demo: the statistics on planted features,
and the script end to end on the tiny demo data."""
import math
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from ..conftest import REPO, ok, tiny_loader, write_config


@pytest.fixture(scope='module')
def probe():
    from benchmarks import instance_probe_demo
    return instance_probe_demo


def test_matched_pairs_rank_first(probe):
    q = torch.eye(8)[:6]  # six orthogonal queries
    queue = torch.eye(8)[6:].t()  # (C, K): two keys orthogonal to all
    s = probe.instance_stats(q, q.clone(), queue, 0.2)
    assert s['rank'] == 0 and s['top1'] == 1
    assert s['cos_pos'] == pytest.approx(1) and s['cos_neg'] == 0
    assert s['cos_queue'] == 0 and s['queue_top1'] == 1
    assert s['queue_len'] == 2
    # CE of logits [1, 0, 0] / 0.2
    assert s['loss'] == pytest.approx(
        -math.log(math.exp(5) / (math.exp(5) + 2)), rel=1e-5)
    shifted = probe.instance_stats(q, q.roll(1, 0), queue, 0.2)
    assert shifted['top1'] == 0 and shifted['rank'] == pytest.approx(1)


def test_drift_lowers_the_loss_without_telling_images_apart(probe):
    g = torch.Generator().manual_seed(0)
    drift = F.normalize(torch.randn(16, generator=g), dim=0)
    q = F.normalize(drift + 0.3 * torch.randn(64, 16, generator=g), dim=1)
    k = F.normalize(drift + 0.3 * torch.randn(64, 16, generator=g), dim=1)
    old = F.normalize(-drift + 0.3 * torch.randn(32, 16, generator=g), dim=1)
    s = probe.instance_stats(q, k, old.t(), 0.2)
    assert 20 < s['rank'] < 43  # chance is 31.5: images not told apart
    assert s['cos_queue'] < 0 < s['cos_neg']
    assert s['loss'] < 0.5 * math.log(33)  # far below chance all the same
    assert s['queue_top1'] > 0.8


def test_script_on_the_tiny_demo(demo_root, tmp_path):
    """Runs as a script: one line per statistic group."""
    cfg = write_config(
        tmp_path / 'cfg.py',
        'mocov2_demo.py',
        train_dataloader=tiny_loader(demo_root, num_workers=0),
        model=dict(queue_len=16))
    cmd = [sys.executable, '-m', 'benchmarks.instance_probe_demo', cfg]
    proc = subprocess.run(
        cmd + ['random', '--num-images', '8'],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300)
    ok(proc)
    out = proc.stdout
    assert 'random: 8 images' in out and '(chance 3.5)' in out
    assert 'against the queue (16 keys)' in out


def test_missing_checkpoint_is_named(probe, tmp_path, monkeypatch):
    from mmsal.errors import UsageError
    missing = str(tmp_path / 'nope.pth')
    config = osp.join(REPO, 'configs', 'mocov2_demo.py')
    monkeypatch.setattr(sys, 'argv', ['probe', config, missing])
    with pytest.raises(UsageError, match=f'checkpoint not found: {missing}'):
        probe.main()
