"""A training set with an unreadable image, through tools/train.py with the
saliency machinery: 'raise' stops at once naming the file; 'skip' trains,
logs and counts each skip, and the file's saliency map stays invalid."""
import os.path as osp
import shutil

import torch

from ..conftest import TINY_DEMO, run_tool, write_config

VIEW = [
    dict(
        type='SaliencyCrop',
        scale=32,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5)
]


def _config(path, data_root, policy):
    pipeline = [
        dict(type='LoadSceneImage', bad_image=policy),
        dict(type='SaliencyMultiView', num_views=2, transforms=[VIEW]),
        dict(type='PackInputs', algorithm_keys=['saliency_score', 'crop_box'])
    ]
    return write_config(
        path,
        'salssl_demo.py',
        train_dataloader=dict(
            batch_size=4,
            num_workers=2,
            persistent_workers=True,
            dataset=dict(
                data_root=data_root,
                demo_settings=TINY_DEMO,
                pipeline=pipeline)),
        model=dict(queue_len=16),
        train_cfg=dict(max_epochs=2),
        custom_hooks=[
            dict(
                type='SaliencyHook',
                warmup_epochs=1,
                interval=1,
                input_size=64,
                batch_size=8,
                num_workers=0),
            dict(type='BadImageHook')
        ])


def test_unreadable_training_image(demo_root, tmp_path):
    root = str(tmp_path / 'demo_scenes')
    shutil.copytree(demo_root, root)
    bad = osp.join(root, 'train2017', '000000000004.jpg')
    with open(bad, 'wb') as f:
        f.write(open(bad.replace(root, demo_root), 'rb').read()[:200])

    cfg = _config(tmp_path / 'raise.py', root, 'raise')
    proc = run_tool(['train.py', cfg, '--work-dir',
                     str(tmp_path / 'r')],
                    cwd=str(tmp_path))
    assert proc.returncode == 2, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: LoadSceneImage: cannot read image')
    assert bad in last and 'sample_idx 3' in last

    cfg = _config(tmp_path / 'skip.py', root, 'skip')
    work = str(tmp_path / 's')
    proc = run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp_path))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert f'skipped unreadable image {bad}' in log
    assert 'epoch 1: skipped 1 unreadable image(s) this epoch' in log
    store = torch.load(
        osp.join(work, 'epoch_2.pth'), map_location='cpu',
        weights_only=True)['saliency_store']
    assert not bool(store['valid'][3])  # no map from a blank stand-in
    assert int(store['valid'].sum()) == TINY_DEMO['num_train'] - 1
