"""SaliencyHook end to end: refresh, persistent workers, DDP, resume."""
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmsal.saliency import SaliencyStore
from ..conftest import (TINY_SALIENCY_HOOK, ok, run_tool, tiny_config,
                        tiny_loader)


class ScoreRecorder(Hook):
    """Keeps the crop scores the model received, per epoch."""

    def __init__(self):
        self.scores = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        rows = [ds.saliency_score for ds in data_batch['data_samples']]
        self.scores.setdefault(runner.epoch, []).extend(rows)


def test_persistent_workers_use_the_refreshed_maps(demo_root, tmp_path):
    cfg = Config.fromfile(tiny_config(tmp_path / 'cfg.py', demo_root))
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    recorder = ScoreRecorder()
    runner.register_hook(recorder)
    runner.train()
    warmup = np.array(recorder.scores[0])
    guided = np.array(recorder.scores[1])
    assert warmup.shape == (24, 2) and (warmup == 1).all()
    assert guided.shape == (24, 2) and not (guided == 1).all()
    assert guided.mean() > 1.0  # salient crops were preferred
    ckpt = torch.load(osp.join(cfg.work_dir, 'epoch_2.pth'), weights_only=True)
    store = ckpt['saliency_store']
    assert store['valid'].all() and torch.isfinite(store['maps'].float()).all()


def _checksum(ckpt_path):
    state = torch.load(ckpt_path, weights_only=True)['saliency_store']
    store = SaliencyStore(state['maps'].shape[0], state['maps'].shape[-1])
    store.load_state_dict(state)
    return f'{store.checksum():08x}'


def test_train_then_resume_keeps_the_store(demo_root, tmp_path):
    cfg = tiny_config(tmp_path / 'cfg.py', demo_root)
    work = str(tmp_path / 'work')
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp_path)))
    assert 'SaliencyHook: refreshed 24 maps before epoch 2' in log
    assert 'identical on 1 rank(s)' in log
    assert re.search(r'pointing_game [01]\.\d{3}, pointing_centre', log)
    saved = _checksum(osp.join(work, 'epoch_2.pth'))
    log = ok(
        run_tool([
            'train.py', cfg, '--work-dir', work, '--resume', '--cfg-options',
            'train_cfg.max_epochs=3'
        ],
                 cwd=str(tmp_path)))
    assert ('restored the store from the checkpoint (24 valid maps, '
            f'checksum {saved})') in log
    assert 'refreshed 24 maps before epoch 3' in log
    # Rebuilding instead: an empty store is refilled at once, even off the
    # refresh schedule (interval 5 would not refresh before epoch 4).
    log = ok(
        run_tool(
            [
                'train.py',
                cfg,
                '--work-dir',
                work,
                '--resume',
                '--cfg-options',
                'train_cfg.max_epochs=4',
                'SaliencyHook.resume_store=False',  # found by type
                'SaliencyHook.interval=5'
            ],
            cwd=str(tmp_path)))
    assert 'restored the store' not in log
    assert 'refreshed 24 maps before epoch 4' in log

    # tools/eval_saliency.py on the saved store and on freshly computed maps
    for extra in (['--from-store'], ['--split', 'val']):
        out = str(tmp_path / f'sal{len(extra)}.json')
        ok(
            run_tool(
                [
                    'eval_saliency.py', cfg,
                    osp.join(work, 'epoch_2.pth'), '--out', out
                ] + extra,
                cwd=str(tmp_path)))
        with open(out) as f:
            scores = json.load(f)
        assert scores['images'] == (24 if extra == ['--from-store'] else 8)
        for key in ('pointing_game', 'pointing_random', 'pointing_centre',
                    'box_iou', 'box_iou_centre'):
            assert 0 <= scores[key] <= 1
    proc = run_tool(['eval_saliency.py', cfg, 'random', '--from-store'],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    assert "--from-store needs a checkpoint, not 'random'" in proc.stderr


def test_two_process_ddp_stores_agree(demo_root, tmp_path):
    # hybrid: the full pass split over ranks before epoch 2, then the online
    # updates of epoch 2 gathered from both ranks
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        custom_hooks=[dict(TINY_SALIENCY_HOOK, update='hybrid')])
    log = ok(
        run_tool(
            ['dist_train.sh', cfg, '2', '--work-dir',
             str(tmp_path / 'work')],
            cwd=str(tmp_path)))
    assert 'Distributed training: True' in log
    assert 'refreshed 24 maps before epoch 2' in log
    # 3 steps x 4 key crops on each of 2 ranks, applied on both
    assert 'online update in epoch 2: online_writes 24.000' in log
    assert len(
        re.findall(r'store checksum [0-9a-f]{8}, identical on 2 '
                   r'rank\(s\)', log)) == 2


@pytest.mark.parametrize('hook,match', [
    (dict(type='SaliencyHook', warmup_epochs=2),
     r'warmup_epochs \(2\) must be smaller than max_epochs \(2\)'),
    (dict(type='SaliencyHook', source='gradcam'), 'source must be one of'),
    (dict(
        type='SaliencyHook',
        update='online',
        online=dict(stage=1),
        model_pass=dict(model_map='similarity')),
     "online: stage needs model_map='activation'"),
    (dict(type='SaliencyHook', update='online',
          source='oracle'), "update='online' needs source='model'"),
    (dict(type='SaliencyHook', update='online', online=dict(stage=4)),
     'online: stage: saliency stage 4: ResNet has 4 residual stages'),
    (dict(type='SaliencyHook',
          online=dict(momentum=0)), r'online: momentum must be in \(0, 1\]'),
    (dict(type='SaliencyHook', model_pass=dict(encoder='target')),
     'model_pass: encoder must be one of'),
    (dict(type='SaliencyHook', model_pass=dict(size=64)),
     "model_pass: .*unexpected keyword argument 'size'"),
    (dict(type='SaliencyHook',
          input_size=64), r"no option 'input_size'; it is now "
     r'model_pass=dict\(input_size=\.\.\.\)'),
    (dict(type='SaliencyHook', online_stage=1),
     r"no option 'online_stage'; it is now online=dict\(stage=\.\.\.\)"),
])
def test_bad_options_are_one_line(demo_root, tmp_path, hook, match):
    cfg = tiny_config(tmp_path / 'cfg.py', demo_root, custom_hooks=[hook])
    proc = run_tool(['train.py', cfg, '--work-dir',
                     str(tmp_path / 'w')],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: SaliencyHook:') and re.search(match, last)


def test_hook_needs_a_saliency_crop(demo_root, tmp_path):
    cfg = tiny_config(tmp_path / 'cfg.py', demo_root, base='mocov2_demo.py')
    proc = run_tool(['train.py', cfg, '--work-dir',
                     str(tmp_path / 'w')],
                    cwd=str(tmp_path))
    assert proc.returncode == 2 and 'no SaliencyCrop' in proc.stderr


_BYOL_LIKE = dict(
    byol=dict(
        base='mmpretrain::byol/byol_resnet50_16xb256-coslr-200e_in1k.py',
        encoder='momentum',
        model=dict(
            backbone=dict(depth=18, norm_cfg=dict(type='BN')),
            neck=dict(
                in_channels=512,
                hid_channels=32,
                out_channels=16,
                norm_cfg=dict(type='BN1d')),
            head=dict(
                predictor=dict(
                    in_channels=16,
                    hid_channels=32,
                    out_channels=16,
                    norm_cfg=dict(type='BN1d'))))),
    simsiam=dict(
        base='mmpretrain::simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py',
        encoder='online',
        model=dict(
            backbone=dict(depth=18, norm_cfg=dict(type='BN')),
            neck=dict(
                in_channels=512,
                hid_channels=32,
                out_channels=16,
                norm_cfg=dict(type='BN1d')),
            head=dict(
                predictor=dict(
                    in_channels=16,
                    hid_channels=8,
                    out_channels=16,
                    norm_cfg=dict(type='BN1d'))))),
)


@pytest.mark.parametrize('algo', ['byol', 'simsiam'])
def test_crop_guidance_in_mmpretrain_algorithms(demo_root, tmp_path, algo):
    spec = _BYOL_LIKE[algo]
    view = [
        dict(type='SaliencyCrop', scale=32, crop_ratio_range=(0.2, 1.)),
        dict(type='RandomFlip', prob=0.5)
    ]
    path = tmp_path / 'cfg.py'
    with open(path, 'w') as f:
        f.write(f"_base_ = {spec['base']!r}\n")
        f.write("custom_imports = dict(imports=['mmsal'])\n")
        for key, value in dict(
                model=spec['model'],
                train_dataloader=tiny_loader(
                    demo_root,
                    num_workers=1,
                    _delete_=True,
                    type='DemoScenes',
                    pipeline=[
                        dict(type='LoadImageFromFile'),
                        dict(
                            type='SaliencyMultiView',
                            num_views=[1, 1],
                            transforms=[view, view]),
                        dict(type='PackInputs')
                    ]),
                train_cfg=dict(max_epochs=2),
                custom_hooks=[
                    dict(
                        TINY_SALIENCY_HOOK,
                        model_pass=dict(
                            TINY_SALIENCY_HOOK['model_pass'],
                            encoder=spec['encoder']))
                ]).items():
            f.write(f'{key} = {value!r}\n')
    log = ok(
        run_tool(['train.py',
                  str(path), '--work-dir',
                  str(tmp_path / 'w')],
                 cwd=str(tmp_path)))
    assert 'refreshed 24 maps before epoch 2' in log


@pytest.mark.parametrize('wrapper', ['RepeatDataset', 'ConcatDataset'])
def test_dataset_wrappers_are_refused_before_training(demo_root, tmp_path,
                                                      wrapper):
    """A wrapper's sub-datasets number sample_idx from 0: the store would
    hand out other images' maps, so the hook refuses it in one line."""
    from mmsal.errors import OptionError
    cfg = Config.fromfile(tiny_config(tmp_path / 'cfg.py', demo_root))
    inner = cfg.train_dataloader.dataset
    cfg.train_dataloader.dataset = (
        dict(type=wrapper, times=2, dataset=inner) if wrapper
        == 'RepeatDataset' else dict(type=wrapper, datasets=[inner, inner]))
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(OptionError, match=f'training set is a {wrapper}'):
        runner.train()
    assert runner.iter == 0
