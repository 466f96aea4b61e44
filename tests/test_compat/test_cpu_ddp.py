"""compat.cpu_ddp: torchrun / SLURM launchers on machines without CUDA."""
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config

from mmsal.compat import cpu_ddp
from ..conftest import REPO, free_port


def test_adapt_cfg_to_device(monkeypatch):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert cpu_ddp.adapt_cfg_to_device(cfg.copy()).env_cfg.dist_cfg.backend \
        == 'nccl'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    out = cpu_ddp.adapt_cfg_to_device(cfg)
    assert out.env_cfg.dist_cfg.backend == 'gloo'
    assert out.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', device_ids=None)


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_original_launcher_fails_without_gpu(monkeypatch):
    assert cpu_ddp.is_broken()
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    with pytest.raises((RuntimeError, AssertionError)):
        cpu_ddp.ORIGINAL['_init_dist_pytorch']('gloo')
    assert not torch.distributed.is_initialized()


_DDP_SCRIPT = textwrap.dedent('''
    import sys, torch, mmsal
    from mmengine.dist import init_dist, all_reduce, get_world_size
    init_dist('pytorch', backend='nccl')  # as the configs say
    t = torch.tensor([float(torch.distributed.get_rank() + 1)])
    all_reduce(t, op='sum')
    print('backend', torch.distributed.get_backend(), 'world',
          get_world_size(), 'sum', float(t), flush=True)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
''')


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_two_process_gloo_init(tmp_path):
    script = tmp_path / 'ddp.py'
    script.write_text(_DDP_SCRIPT)
    procs, port = [], str(free_port())
    for rank in range(2):
        env = dict(
            os.environ,
            RANK=str(rank),
            LOCAL_RANK=str(rank),
            WORLD_SIZE='2',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=port)
        procs.append(
            subprocess.Popen([sys.executable, str(script)],
                             env=env,
                             cwd=REPO,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE,
                             text=True))
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert 'backend gloo world 2 sum 3.0' in out
