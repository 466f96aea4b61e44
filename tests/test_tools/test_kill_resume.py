"""A real training process killed with SIGKILL, mid-epoch and while saving a
checkpoint, then ``--resume``: the run continues from the last complete
checkpoint with its model, optimizer, queue, schedule and saliency store."""
import os.path as osp
import re
import signal

import torch

from mmsal.saliency import SaliencyStore
from ..conftest import (TINY_DEMO, TINY_SALIENCY_HOOK, ok, run_tool,
                        tiny_config, tiny_loader)

# Imported by the training process (custom_imports): SIGKILLs it at a chosen
# iteration, or in the middle of writing a chosen checkpoint.
KILLER = '''
import os, signal
import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class KillAt(Hook):
    def __init__(self, epoch=-1, iter=-1, save_epoch=-1):
        self.epoch, self.iter, self.save_epoch = epoch, iter, save_epoch

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.epoch == self.epoch and batch_idx == self.iter:
            os.kill(os.getpid(), signal.SIGKILL)

    def before_save_checkpoint(self, runner, checkpoint):
        if runner.epoch + 1 != self.save_epoch:
            return

        def half_then_die(obj, f, *args, **kwargs):
            f.write(b'PK\\x03\\x04 half a checkpoint')
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        torch.save = half_then_die
'''


def _config(tmp_path, demo_root):
    return tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        custom_imports=dict(
            imports=['mmsal', 'killer'], allow_failed_imports=False),
        model=dict(queue_len=20),
        train_cfg=dict(max_epochs=4),
        default_hooks=dict(
            logger=dict(interval=1),
            checkpoint=dict(interval=1, max_keep_ckpts=5)),
        custom_hooks=[
            dict(TINY_SALIENCY_HOOK, interval=5),
            dict(type='KillAt')
        ])


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_sigkill_mid_epoch_and_while_saving_then_resume(
        demo_root, tmp_path, monkeypatch):
    (tmp_path / 'killer.py').write_text(KILLER)
    monkeypatch.setenv('PYTHONPATH', str(tmp_path))
    cfg, work = _config(tmp_path, demo_root), str(tmp_path / 'work')
    ckpt = {n: osp.join(work, f'epoch_{n}.pth') for n in range(1, 5)}

    # 1. killed in the middle of epoch 3 (6 iterations per epoch)
    proc = run_tool([
        'train.py', cfg, '--work-dir', work, '--cfg-options',
        'custom_hooks.1.epoch=2', 'custom_hooks.1.iter=2'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    first_log = log = proc.stdout + proc.stderr
    # killed in iteration 3 of epoch 3, before the logger hook saw it
    assert re.search(r'Epoch\(train\)\s+\[3\]\[2/6\]', log)
    assert not re.search(r'Epoch\(train\)\s+\[3\]\[3/6\]', log)
    assert not osp.exists(ckpt[3])
    saved = _load(ckpt[2])  # the last complete checkpoint loads (safely)
    assert saved['meta']['epoch'] == 2 and saved['meta']['iter'] == 12
    assert bool(saved['saliency_store']['valid'].all())  # refreshed in ep 2

    # 2. resumed, then killed while writing epoch_3.pth
    proc = run_tool([
        'train.py', cfg, '--work-dir', work, '--resume', '--cfg-options',
        'custom_hooks.1.save_epoch=3'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert 'resumed epoch: 2, iter: 12' in proc.stdout + proc.stderr
    assert not osp.exists(ckpt[3])  # only the .part file is half written
    assert osp.getsize(ckpt[3] + '.part') < 100
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip() == ckpt[2]

    # 3. resumed again, to the end
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work, '--resume'],
                 cwd=str(tmp_path)))
    assert 'resumed epoch: 2, iter: 12' in log
    store = SaliencyStore(TINY_DEMO['num_train'], 7)
    store.load_state_dict(saved['saliency_store'])
    assert ('restored the store from the checkpoint (24 valid maps, '
            f'checksum {store.checksum():08x})') in log
    trained = re.findall(r'Epoch\(train\)\s+\[(\d)\]', log)
    assert set(trained) == {'3', '4'}  # epochs 1-2 were not trained again
    final = _load(ckpt[4])
    assert final['meta']['epoch'] == 4 and final['meta']['iter'] == 24
    # the queue continued: 24 iterations x 4 keys written into 20 slots
    assert int(final['state_dict']['queue_ptr']) == (24 * 4) % 20
    assert int(saved['state_dict']['queue_ptr']) == (12 * 4) % 20
    # the schedule continued where it stopped: no warm-up again (LinearLR
    # stays finished), the epoch-based cosine moved by the 2 epochs trained
    (warm0, cos0), (warm1,
                    cos1) = [[s['last_step'] for s in c['param_schedulers']]
                             for c in (saved, final)]
    assert (warm1, cos1) == (warm0, cos0 + 2)
    # ... and epoch 3 ran at the lr the killed run had used for it
    assert _lr(log, 3, 1) == _lr(first_log, 3, 1)

    # 4. exact resume: the uninterrupted run of the same seed ends with the
    # same weights, queue and store, bit for bit, and the same losses
    straight = str(tmp_path / 'straight')
    straight_log = ok(
        run_tool(['train.py', cfg, '--work-dir', straight], cwd=str(tmp_path)))
    _assert_same_run(
        straight_log,
        log,
        osp.join(straight, 'epoch_4.pth'),
        ckpt[4],
        epochs=(3, 4))
    assert 'ExactResumeHook: restored the random state' in log


def _losses(log, epochs):
    return re.findall(
        rf'Epoch\(train\)\s+\[([{"".join(map(str, epochs))}])\]'
        r'\[(\d+)/\d+\].*? loss: (\S+)', log)


def _assert_same_run(log_a, log_b, ckpt_a, ckpt_b, epochs):
    assert _losses(log_a, epochs) == _losses(log_b, epochs)
    assert len(_losses(log_a, epochs)) == 6 * len(epochs)
    a, b = _load(ckpt_a), _load(ckpt_b)
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    if 'saliency_store' in a:
        assert torch.equal(a['saliency_store']['maps'],
                           b['saliency_store']['maps'])


def test_mocov2_without_workers_resumes_exactly(demo_root, tmp_path,
                                                monkeypatch):
    """MoCo v2, samples drawn in the main process: killed in epoch 2,
    resumed, the same run as the uninterrupted one."""
    (tmp_path / 'killer.py').write_text(KILLER)
    monkeypatch.setenv('PYTHONPATH', str(tmp_path))
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        base='mocov2_demo.py',
        custom_imports=dict(
            imports=['mmsal', 'killer'], allow_failed_imports=False),
        train_dataloader=tiny_loader(demo_root, num_workers=0),
        model=dict(queue_len=20),
        default_hooks=dict(logger=dict(interval=1)),
        custom_hooks=[dict(type='KillAt')])
    runs = {name: str(tmp_path / name) for name in ('straight', 'killed')}
    straight = ok(
        run_tool(['train.py', cfg, '--work-dir', runs['straight']],
                 cwd=str(tmp_path)))
    proc = run_tool([
        'train.py', cfg, '--work-dir', runs['killed'], '--cfg-options',
        'custom_hooks.0.epoch=1', 'custom_hooks.0.iter=3'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    resumed = ok(
        run_tool(['train.py', cfg, '--work-dir', runs['killed'], '--resume'],
                 cwd=str(tmp_path)))
    _assert_same_run(
        straight,
        resumed,
        osp.join(runs['straight'], 'epoch_2.pth'),
        osp.join(runs['killed'], 'epoch_2.pth'),
        epochs=(2, ))


def _lr(log, epoch, it):
    return re.search(rf'Epoch\(train\)\s+\[{epoch}\]\[{it}/6\]\s+lr: (\S+)',
                     log).group(1)
