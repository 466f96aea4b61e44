"""A training set with an unreadable image, through tools/train.py with the
saliency machinery: 'raise' stops at once naming the file; 'skip' trains,
logs and counts each skip, and the file's saliency map stays invalid."""
import os.path as osp
import shutil

import torch

from ..conftest import (TINY_DEMO, TINY_SALIENCY_HOOK, ok, run_tool,
                        tiny_config, tiny_loader)

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
    return tiny_config(
        path,
        data_root,
        train_dataloader=tiny_loader(data_root, pipeline=pipeline),
        default_hooks={},
        custom_hooks=[TINY_SALIENCY_HOOK,
                      dict(type='BadImageHook')])


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
    log = ok(
        run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp_path)))
    assert f'skipped unreadable image {bad}' in log
    assert 'epoch 1: skipped 1 unreadable image(s) this epoch' in log
    store = torch.load(
        osp.join(work, 'epoch_2.pth'), map_location='cpu',
        weights_only=True)['saliency_store']
    assert not bool(store['valid'][3])  # no map from a blank stand-in
    assert int(store['valid'].sum()) == TINY_DEMO['num_train'] - 1
