"""compat.safe_loading: mmengine checkpoints load with weights_only, and
crafted ones stay refused."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from mmsal.compat import safe_loading


def _checkpoint_like(path):
    hub = MessageHub.get_instance('mmsal_test_hub')
    for v in (1.0, 2.0, 6.0):
        hub.update_scalar('train/loss', np.float64(v))
    torch.save(
        dict(
            meta=dict(epoch=3),
            message_hub=hub.state_dict(),
            state_dict=dict(w=torch.ones(2))), path)


class _Evil:

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f'touch {self.target}', ))


class _SneakyGetattr:

    def __reduce__(self):
        return (getattr, (HistoryBuffer, 'register_statistics'))


def test_checkpoints_load_with_weights_only(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    _checkpoint_like(path)
    torch.serialization.clear_safe_globals()
    try:
        assert safe_loading.is_broken()  # the trap, with torch alone
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
    finally:
        safe_loading.fix()
    assert not safe_loading.is_broken()
    ckpt = torch.load(path, weights_only=True)
    assert ckpt['meta']['epoch'] == 3
    assert ckpt['message_hub']['log_scalars']['train/loss'].mean() == 3.0
    from mmengine.runner.checkpoint import _load_checkpoint
    assert _load_checkpoint(path)['state_dict']['w'].sum() == 2


def test_unsafe_checkpoints_stay_refused(tmp_path):
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(x=_Evil(marker)), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    assert not marker.exists()
    path = str(tmp_path / 'sneaky.pth')
    torch.save(dict(x=_SneakyGetattr()), path)
    with pytest.raises(pickle.UnpicklingError, match='allow-list'):
        torch.load(path)
