"""Each ecosystem trap of REFERENCE.md reproduced, then shown fixed."""
import os
import os.path as osp
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmsal
from mmsal import checkpoint_io, compat
from mmsal.compat import ORIGINALS

from .conftest import CONFIGS, REPO, free_port


# 1. pkg_resources ------------------------------------------------------------
def test_config_inheritance_without_pkg_resources(monkeypatch):
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)  # as setuptools>=82
    with pytest.raises(ImportError):
        ORIGINALS['is_installed']('mmpretrain')
    assert compat.is_installed('mmpretrain')
    assert not compat.is_installed('surely_not_a_package_xyz')
    path = compat.get_installed_path('mmpretrain')
    assert osp.isfile(osp.join(path, '__init__.py'))
    cfg = Config.fromfile(osp.join(CONFIGS, 'mocov2_coco.py'))
    assert cfg.model.type == 'MoCo'  # inherited from mmpretrain::
    assert cfg.train_dataloader.dataset.type == 'CocoScenes'


# 2. _scope_ in collate_fn ----------------------------------------------------
def _loader_cfg(demo_root, collate_fn):
    return dict(
        batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler',
                                                  shuffle=False),
        collate_fn=collate_fn,
        dataset=dict(type='CocoScenes', data_root=demo_root,
                     pipeline=[dict(type='LoadImageFromFile'),
                               dict(type='PackInputs')]))


def test_inherited_config_carries_scope_into_collate_fn():
    cfg = Config.fromfile(osp.join(CONFIGS, 'mocov2_coco.py'))
    assert cfg.train_dataloader.collate_fn.get('_scope_') == 'mmpretrain'


def test_collate_scope_is_dropped(demo_root):
    init_default_scope('mmpretrain')
    collate = dict(type='default_collate', _scope_='mmpretrain')
    broken = ORIGINALS['build_dataloader'](_loader_cfg(demo_root, collate))
    with pytest.raises(TypeError, match='_scope_'):
        next(iter(broken))
    loader = Runner.build_dataloader(_loader_cfg(demo_root, collate))
    batch = next(iter(loader))
    assert batch['inputs'].shape[0] == 2
    assert compat.strip_collate_scope(dict(collate_fn=collate)) == dict(
        collate_fn=dict(type='default_collate'))


# 3. safe checkpoint loading --------------------------------------------------
def _checkpoint_like(path):
    hub = MessageHub.get_instance('mmsal_test_hub')
    for v in (1.0, 2.0, 6.0):
        hub.update_scalar('train/loss', np.float64(v))
    torch.save(dict(meta=dict(epoch=3), message_hub=hub.state_dict(),
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
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
    finally:
        compat._allow_checkpoint_classes()
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


# 4. numpy 2 and mmcv.adjust_hue ----------------------------------------------
def test_negative_hue_shift():
    import mmcv
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 2] = 255  # BGR
    if np.lib.NumpyVersion(np.__version__) >= '2.0.0':
        with pytest.raises(OverflowError):
            ORIGINALS['adjust_hue'](red, -0.1, backend='cv2')
    assert mmcv.adjust_hue is compat.adjust_hue
    for backend in ('cv2', 'pillow'):
        # red turned a third backwards is blue, a third forwards is green
        assert compat.adjust_hue(red, -1 / 3, backend)[0, 0].argmax() == 0
        assert compat.adjust_hue(red, 1 / 3, backend)[0, 0].argmax() == 1


def test_hue_matches_mmcv_where_mmcv_works():
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), np.uint8)
    for backend in ('cv2', 'pillow'):
        for factor in (0.0, 0.1, 0.5):
            np.testing.assert_array_equal(
                ORIGINALS['adjust_hue'](img, factor, backend=backend),
                compat.adjust_hue(img, factor, backend=backend))


def test_mocov2_color_jitter_runs():
    from mmpretrain.datasets.transforms import ColorJitter
    jitter = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4,
                         hue=0.5)
    rng = np.random.default_rng(1)
    np.random.seed(0)
    for _ in range(40):
        img = rng.integers(0, 256, (8, 8, 3), np.uint8)
        assert jitter(dict(img=img))['img'].shape == (8, 8, 3)


# 5. CPU DDP --------------------------------------------------------------------
def test_adapt_cfg_to_device(monkeypatch):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    assert compat.adapt_cfg_to_device(cfg.copy()).env_cfg.dist_cfg.backend \
        == 'nccl'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    out = compat.adapt_cfg_to_device(cfg)
    assert out.env_cfg.dist_cfg.backend == 'gloo'
    assert out.model_wrapper_cfg == dict(type='MMDistributedDataParallel',
                                         device_ids=None)


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_original_launcher_fails_without_gpu(monkeypatch):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    with pytest.raises((RuntimeError, AssertionError)):
        ORIGINALS['_init_dist_pytorch']('gloo')
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
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
                   MASTER_PORT=port)
        procs.append(subprocess.Popen(
            [sys.executable, str(script)], env=env, cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]
        assert 'backend gloo world 2 sum 3.0' in out


def test_checkpoint_save_is_atomic(tmp_path, monkeypatch):
    import mmengine.runner.runner as runner_module
    assert runner_module.save_checkpoint is checkpoint_io.save_checkpoint_atomic
    target = str(tmp_path / 'epoch_1.pth')
    checkpoint_io.save_checkpoint_atomic({'w': torch.ones(3)}, target)
    assert torch.equal(torch.load(target, weights_only=True)['w'],
                       torch.ones(3))
    assert not osp.exists(target + '.part')

    def dies_half_way(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 half')
        raise KeyboardInterrupt  # stands in for a kill while writing

    monkeypatch.setattr(torch, 'save', dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        checkpoint_io.save_checkpoint_atomic({'w': torch.zeros(3)}, target)
    monkeypatch.undo()
    # the earlier checkpoint under that name is untouched and loads
    assert torch.equal(torch.load(target, weights_only=True)['w'],
                       torch.ones(3))


# 7. transformers >= 5 --------------------------------------------------------
def _fake_transformers_5(root):
    """An installed 'transformers 5.0.0' without the classes mmpretrain's
    BLIP models subclass (as in the real transformers 5)."""
    info = root / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    (root / 'transformers').mkdir()
    (root / 'transformers' / '__init__.py').write_text('')


@pytest.mark.parametrize('first', ['', 'import mmsal; '])
def test_mmpretrain_models_import_next_to_transformers_5(tmp_path, first):
    _fake_transformers_5(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path), REPO, os.environ.get('PYTHONPATH', '')]))
    code = first + 'import mmpretrain.models; print("imported")'
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    if not first:  # the trap: mmpretrain alone fails
        assert proc.returncode != 0
        assert 'transformers' in proc.stderr.splitlines()[-1]
    else:
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert 'imported' in proc.stdout
