"""End to end through tools/train.py, tools/dist_train.sh and tools/test.py
on the tiny demo data."""
import glob
import hashlib
import json
import os.path as osp

import pytest
import torch

from ..conftest import (REPO, TINY_SALIENCY_HOOK, ok, run_tool, tiny_config,
                        tiny_loader, write_config)


def _tiny_mocov2(path, demo_root, **extra):
    """``tiny_config`` of MoCo v2: one (persistent) worker, no custom
    hooks."""
    extra.setdefault('train_dataloader', tiny_loader(demo_root, num_workers=1))
    extra.setdefault('custom_hooks', [])
    return tiny_config(path, demo_root, base='mocov2_demo.py', **extra)


def _sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope='module')
def trained(tmp_path_factory, demo_root):
    """Two epochs of the demo MoCo v2 config: 24 images, batch 4; its
    console output is in ``work/console.txt``."""
    tmp = tmp_path_factory.mktemp('train')
    cfg = _tiny_mocov2(tmp / 'cfg.py', demo_root)
    work_dir = str(tmp / 'work')
    log = ok(run_tool(['train.py', cfg, '--work-dir', work_dir], cwd=str(tmp)))
    with open(osp.join(work_dir, 'console.txt'), 'w') as f:
        f.write(log)
    return cfg, work_dir


def test_train_writes_checkpoints(trained):
    _, work_dir = trained
    for name in ('epoch_1.pth', 'epoch_2.pth', 'last_checkpoint'):
        assert osp.exists(osp.join(work_dir, name))
    ckpt = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=True)
    assert ckpt['meta']['epoch'] == 2 and ckpt['meta']['iter'] == 12
    assert ckpt['state_dict']['queue'].shape == (128, 16)
    assert 'optimizer' in ckpt and 'message_hub' in ckpt


def test_console_is_short_and_the_log_file_complete(trained):
    _, work_dir = trained
    with open(osp.join(work_dir, 'console.txt')) as f:
        console = f.read().splitlines()
    first = next(i for i, line in enumerate(console) if 'Epoch(train)' in line)
    assert first <= 60, console[:first]
    text = '\n'.join(console)
    for dump in ('System environment:', 'Config:', 'Hooks will be executed'):
        assert dump not in text
    assert 'SalSSL' not in text and 'MoCo, 2 epochs, seed 0' in text
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(logs) == 1 and osp.basename(logs[0])[:-4] in text
    with open(logs[0]) as f:
        full = f.read()
    for dump in ('System environment:', 'Config:', 'Hooks will be executed'):
        assert dump in full
    assert '\r' not in full


def test_rerun_of_a_finished_run_changes_nothing_and_resume_continues(
        trained, tmp_path):
    cfg, work_dir = trained
    before = _sha(osp.join(work_dir, 'epoch_2.pth'))
    proc = ok(
        run_tool(['train.py', cfg, '--work-dir', work_dir], cwd=str(tmp_path)))
    assert 'already holds this finished run' in proc
    assert '--work-dir' in proc and '--resume' in proc
    # a longer run over it, without --resume: refused in one line
    proc = run_tool([
        'train.py', cfg, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_epochs=3'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: work_dir') and '--resume' in last
    assert 'Traceback' not in proc.stderr
    assert _sha(osp.join(work_dir, 'epoch_2.pth')) == before

    log = ok(
        run_tool([
            'train.py', cfg, '--work-dir', work_dir, '--resume',
            '--cfg-options', 'train_cfg.max_epochs=3'
        ],
                 cwd=str(tmp_path)))
    assert 'resumed epoch: 2, iter: 12' in log
    old = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=True)
    new = torch.load(osp.join(work_dir, 'epoch_3.pth'), weights_only=True)
    assert new['meta']['epoch'] == 3 and new['meta']['iter'] == 18
    # the queue pointer moved on by 6 batches of 4 (mod 16) from where it was
    assert int(
        new['state_dict']
        ['queue_ptr']) == (int(old['state_dict']['queue_ptr']) + 24) % 16
    w = 'backbone.conv1.weight'
    assert not torch.equal(old['state_dict'][w], new['state_dict'][w])


def test_resume_from_missing_checkpoint_is_one_line(trained, tmp_path):
    cfg, _ = trained
    proc = run_tool(['train.py', cfg, '--resume',
                     str(tmp_path / 'no.pth')],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: --resume: checkpoint not found: {tmp_path / "no.pth"}')


def test_dist_train_two_cpu_processes(demo_root, tmp_path):
    cfg = _tiny_mocov2(
        tmp_path / 'cfg.py', demo_root, train_cfg=dict(max_epochs=1))
    work_dir = str(tmp_path / 'work')
    log = ok(
        run_tool(['dist_train.sh', cfg, '2', '--work-dir', work_dir],
                 cwd=str(tmp_path)))
    assert 'Distributed training: True' in log
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=True)
    # 24 images split over 2 ranks of batch 4: 3 iterations per epoch
    assert ckpt['meta']['iter'] == 3


def test_user_error_under_dist_train_is_one_line_printed_once(
        demo_root, tmp_path):
    # both ranks stop in before_train; rank 0 prints, torchrun's report of
    # the failed processes is left out, the exit status stays 2
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        custom_hooks=[dict(TINY_SALIENCY_HOOK, warmup_epochs=2)])
    proc = run_tool(
        ['dist_train.sh', cfg, '2', '--work-dir',
         str(tmp_path / 'w')],
        cwd=str(tmp_path))
    out = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == 2, out[-20:]
    errors = [
        line for line in out
        if line.startswith('error') or 'Error' in line or 'Traceback' in line
    ]
    assert errors == [
        'error: SaliencyHook: warmup_epochs (2) must be smaller than '
        'max_epochs (2), or no saliency is ever computed'
    ], out[-20:]


def test_missing_data_root_is_one_line(tmp_path):
    missing = str(tmp_path / 'no_coco')
    proc = run_tool([
        'train.py',
        osp.join(REPO, 'configs', 'mocov2_coco.py'), '--work-dir',
        str(tmp_path / 'w'), '--cfg-options',
        f'train_dataloader.dataset.data_root={missing}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: CocoScenes: data root not found: {missing}')
    assert 'Traceback' not in proc.stderr


def test_probe_without_its_checkpoint_is_one_line(tmp_path):
    cfg = osp.join(REPO, 'configs', 'benchmarks', 'linear_demo.py')
    key = 'model.backbone.init_cfg.checkpoint'
    proc = run_tool(['train.py', cfg, '--work-dir',
                     str(tmp_path / 'w')],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: {key} is not set: pass --cfg-options {key}=PATH (a '
        'pretraining checkpoint), or model.backbone.init_cfg=None for the '
        'random-init baseline')
    missing = str(tmp_path / 'epoch_9.pth')
    proc = run_tool([
        'train.py', cfg, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', f'{key}={missing}'
    ],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: {key} not found: {missing}')


def test_mocov2_coco_config_on_coco_format_data(demo_root, tmp_path):
    """The ResNet-50 COCO recipe (inherited through mmpretrain::) trains on
    COCO-format files, augmenting on the device (its default); shrunk to
    ResNet-18 and 8 images for the CPU."""
    work_dir = str(tmp_path / 'w')
    ok(
        run_tool([
            'train.py',
            osp.join(REPO, 'configs',
                     'mocov2_coco.py'), '--work-dir', work_dir,
            '--cfg-options', f'train_dataloader.dataset.data_root={demo_root}',
            'train_dataloader.dataset.indices=8',
            'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'model.queue_len=16',
            'model.backbone.depth=18', 'model.neck.in_channels=512',
            'model.neck.hid_channels=512', 'train_cfg.max_epochs=1'
        ],
                 cwd=str(tmp_path)))
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=True)
    assert ckpt['meta']['iter'] == 2
    # the recipe's colour and flip augmentations ran in the model
    with open(osp.join(work_dir, 'mocov2_coco.py')) as f:
        assert "type='ViewAugmentPreprocessor'" in f.read()


def test_linear_probe_then_test_tool(trained, demo_root, tmp_path):
    _, pre_dir = trained
    pretrained = osp.join(pre_dir, 'epoch_2.pth')
    loader = tiny_loader(demo_root, num_workers=0, batch_size=10)
    cfg = write_config(
        tmp_path / 'linear.py',
        'benchmarks/linear_demo.py',
        train_dataloader=loader,
        val_dataloader=loader,
        test_dataloader=loader,
        model=dict(backbone=dict(init_cfg=dict(checkpoint=pretrained))),
        train_cfg=dict(max_epochs=1, val_interval=1),
        default_hooks=dict(checkpoint=dict(interval=1)))
    work_dir = str(tmp_path / 'lin')
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work_dir], cwd=str(tmp_path)))
    val_line = [line for line in log.splitlines() if 'Epoch(val)' in line][-1]
    probe = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=True)
    pre = torch.load(pretrained, weights_only=True)
    w = 'backbone.layer4.1.conv2.weight'
    assert torch.equal(probe['state_dict'][w], pre['state_dict'][w])  # frozen

    out = str(tmp_path / 'metrics.json')
    ok(
        run_tool([
            'test.py', cfg,
            osp.join(work_dir, 'epoch_1.pth'), '--work-dir',
            str(tmp_path / 'test'), '--out', out
        ],
                 cwd=str(tmp_path)))
    with open(out) as f:
        metrics = json.load(f)
    top1 = metrics['accuracy/top1']
    assert 0 <= top1 <= 100
    assert f'accuracy/top1: {top1:.4f}' in val_line  # same weights, same data
    proc = run_tool(
        ['test.py', cfg,
         osp.join(work_dir, 'epoch_1.pth'), '--out', out],
        cwd=str(tmp_path))
    assert proc.returncode == 2 and 'not overwriting' in proc.stderr
