"""compat.checkpoint_files: atomic checkpoint writes."""
import os.path as osp

import pytest
import torch

from mmsal.compat import checkpoint_files


def test_mmengine_writes_in_place():
    assert checkpoint_files.is_broken()  # mmengine 0.10.7


def test_checkpoint_save_is_atomic(tmp_path, monkeypatch):
    import mmengine.runner.runner as runner_module
    assert runner_module.save_checkpoint is \
        checkpoint_files.save_checkpoint_atomic
    target = str(tmp_path / 'epoch_1.pth')
    checkpoint_files.save_checkpoint_atomic({'w': torch.ones(3)}, target)
    assert torch.equal(
        torch.load(target, weights_only=True)['w'], torch.ones(3))
    assert not osp.exists(target + '.part')

    def dies_half_way(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 half')
        raise KeyboardInterrupt  # stands in for a kill while writing

    monkeypatch.setattr(torch, 'save', dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        checkpoint_files.save_checkpoint_atomic({'w': torch.zeros(3)}, target)
    monkeypatch.undo()
    # the earlier checkpoint under that name is untouched and loads
    assert torch.equal(
        torch.load(target, weights_only=True)['w'], torch.ones(3))
