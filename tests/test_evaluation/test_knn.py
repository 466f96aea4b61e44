import json

import pytest
import torch
import torch.nn.functional as F

from mmsal.errors import OptionError
from mmsal.evaluation import knn_accuracy, knn_predict
from ..conftest import ok, run_tool, tiny_loader, write_config


def test_planted_clusters_are_classified():
    g = torch.Generator().manual_seed(0)
    centres = torch.eye(4)[:3] * 5
    train = torch.cat(
        [c + torch.randn(20, 4, generator=g) * 0.3 for c in centres])
    labels = torch.arange(3).repeat_interleave(20)
    test = torch.cat(
        [c + torch.randn(10, 4, generator=g) * 0.3 for c in centres])
    test_labels = torch.arange(3).repeat_interleave(10)
    acc = knn_accuracy(
        F.normalize(train, dim=1),
        labels,
        F.normalize(test, dim=1),
        test_labels,
        k=5)
    assert acc == {'top1': 100.0, 'top5': 100.0}
    shuffled = knn_accuracy(
        F.normalize(train, dim=1),
        labels[torch.randperm(60, generator=g)],
        F.normalize(test, dim=1),
        test_labels,
        k=5)
    assert shuffled['top1'] < 70


def test_temperature_weighs_close_neighbours():
    train = F.normalize(torch.tensor([[1., 0.], [0.2, 1.], [0.3, 1.]]), dim=1)
    labels = torch.tensor([0, 1, 1])
    query = F.normalize(torch.tensor([[1., 0.05]]), dim=1)
    sharp = knn_predict(train, labels, query, k=3, temperature=0.07)
    flat = knn_predict(train, labels, query, k=3, temperature=1000.)
    assert sharp.argmax() == 0  # one very close neighbour wins
    assert flat.argmax() == 1  # near-equal votes: the majority wins
    assert knn_predict(train, labels, query, k=1).argmax() == 0
    with pytest.raises(OptionError, match='temperature'):
        knn_predict(train, labels, query, temperature=0)


def _knn_cfg(path, demo_root):
    loader = tiny_loader(demo_root, num_workers=0, batch_size=10)
    return write_config(
        path,
        'benchmarks/knn_demo.py',
        knn_train_dataloader=loader,
        knn_val_dataloader=loader)


def test_knn_tool_random_floor(demo_root, tmp_path):
    cfg = _knn_cfg(tmp_path / 'knn.py', demo_root)
    out = str(tmp_path / 'r.json')
    proc = run_tool(['knn_eval.py', cfg, 'random', '--out', out, '--k', '5'],
                    cwd=str(tmp_path))
    ok(proc)
    with open(out) as f:
        result = json.load(f)
    assert result['k'] == 5 and result['train'] == 30 and result['val'] == 20
    assert 0 <= result['top1'] <= result['top5'] <= 100
    proc = run_tool(
        ['knn_eval.py', cfg, str(tmp_path / 'nope.pth')], cwd=str(tmp_path))
    assert proc.returncode == 2 and 'checkpoint not found' in proc.stderr
