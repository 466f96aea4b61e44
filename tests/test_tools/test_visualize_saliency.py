"""tools/visualize_saliency.py and SaliencyVisHook on a tiny SalSSL run."""
import glob
import os.path as osp

import cv2
import pytest

from mmsal.visualization import grid_size
from ..conftest import (TINY_SALIENCY_HOOK, ok, run_tool, tiny_config,
                        tiny_loader)

TILE = 48


def _png_shape(path):
    img = cv2.imread(path)
    assert img is not None, path
    return img.shape


@pytest.fixture(scope='module')
def trained(tmp_path_factory, demo_root):
    """Two epochs of a tiny SalSSL (refresh before epoch 2), with the
    vis hook drawing 3 images with 2 crops each."""
    tmp = tmp_path_factory.mktemp('vis')
    cfg = tiny_config(
        tmp / 'cfg.py',
        demo_root,
        train_dataloader=tiny_loader(demo_root, num_workers=1),
        default_hooks={},
        custom_hooks=[
            TINY_SALIENCY_HOOK,
            dict(type='SaliencyVisHook', num_images=3, num_crops=2, tile=TILE)
        ])
    work = str(tmp / 'work')
    log = ok(run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp)))
    return tmp, cfg, work, log


def test_hook_sends_the_grid_to_the_vis_backend(trained):
    _, _, work, log = trained
    assert 'SaliencyVisHook: drew 3 image(s)' in log
    pngs = glob.glob(osp.join(work, '*', 'vis_data', 'vis_image', '*.png'))
    # one refresh (before epoch 2), so one picture, named by that epoch
    assert [osp.basename(p) for p in pngs] == ['saliency_2.png']
    h, w = grid_size(3, 3 + 2, TILE)
    assert _png_shape(pngs[0]) == (h, w, 3)


def test_tool_draws_checkpoint_maps_store_and_folder(trained, demo_root):
    tmp, cfg, work, _ = trained
    ckpt = osp.join(work, 'epoch_2.pth')
    out = str(tmp / 'pics')
    log = ok(
        run_tool([
            'visualize_saliency.py', cfg, ckpt, '--out-dir', out, '--indices',
            '0', '5', '--num-crops', '3', '--tile',
            str(TILE), '--split', 'val'
        ],
                 cwd=str(tmp)))
    assert 'crop scores' in log
    h, w = grid_size(2, 3 + 3, TILE)
    assert _png_shape(osp.join(out, 'epoch_2_val.png')) == (h, w, 3)
    # the store saved in the checkpoint: 4 images, 2 pages of 3 and 1 rows
    ok(
        run_tool([
            'visualize_saliency.py', cfg, ckpt, '--out-dir', out,
            '--from-store', '--num-images', '4', '--per-page', '3', '--tile',
            str(TILE)
        ],
                 cwd=str(tmp)))
    assert _png_shape(osp.join(out, 'epoch_2_store_1.png')) == \
        (*grid_size(3, 3 + 4, TILE), 3)
    assert _png_shape(osp.join(out, 'epoch_2_store_2.png')) == \
        (*grid_size(1, 3 + 4, TILE), 3)
    # any folder of images, maps by the checkpoint's model
    ok(
        run_tool([
            'visualize_saliency.py', cfg, ckpt, '--out-dir', out, '--folder',
            osp.join(demo_root, 'val2017'), '--num-images', '2', '--num-crops',
            '1', '--tile',
            str(TILE)
        ],
                 cwd=str(tmp)))
    assert _png_shape(osp.join(out, 'epoch_2_folder.png')) == \
        (*grid_size(2, 3 + 1, TILE), 3)

    # an existing picture is never overwritten
    proc = run_tool([
        'visualize_saliency.py', cfg, ckpt, '--out-dir', out, '--folder',
        osp.join(demo_root, 'val2017')
    ],
                    cwd=str(tmp))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: ')
    assert 'epoch_2_folder.png already exists; not overwriting' in lines[0]


def test_hook_does_not_change_training(demo_root, tmp_path):
    """Same seed, in-process loading (the pipeline's own SaliencyCrop runs
    in this process): identical weights with and without the hook."""
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    states = []
    for with_vis in (False, True):
        hooks = [dict(TINY_SALIENCY_HOOK, quality_images=0)]
        if with_vis:
            hooks.append(
                dict(
                    type='SaliencyVisHook',
                    num_images=2,
                    num_crops=2,
                    tile=TILE))
        cfg = Config.fromfile(
            tiny_config(
                tmp_path / f'cfg{with_vis:d}.py',
                demo_root,
                train_dataloader=tiny_loader(demo_root, num_workers=0),
                default_hooks=dict(checkpoint=dict(interval=10)),
                custom_hooks=hooks))
        cfg.work_dir = str(tmp_path / f'work{with_vis:d}')
        cfg.experiment_name = f'vis{with_vis:d}'
        runner = Runner.from_cfg(cfg)
        runner.train()
        states.append({
            k: v.clone()
            for k, v in runner.model.state_dict().items()
        })
    assert glob.glob(
        osp.join(tmp_path, 'work1', '*', 'vis_data', 'vis_image',
                 'saliency_2.png'))
    assert states[0].keys() == states[1].keys()
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
