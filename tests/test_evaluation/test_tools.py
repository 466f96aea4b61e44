"""KNNHook during training; tools/extract_backbone.py to torchvision and
mmpretrain."""
import glob
import json
import os.path as osp

import pytest
import torch
import torchvision
from mmpretrain.models.backbones import ResNet

from mmsal.evaluation import load_backbone
from ..conftest import TINY_DEMO, ok, run_tool, tiny_config, tiny_loader


@pytest.fixture(scope='module')
def trained_with_knn(tmp_path_factory, demo_root):
    tmp = tmp_path_factory.mktemp('knn_train')
    loaders = {
        split:
        dict(
            batch_size=10,
            num_workers=0,
            collate_fn=dict(type='default_collate'),
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='DemoObjects',
                data_root=demo_root,
                split=split,
                demo_settings=TINY_DEMO,
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='PackInputs')
                ]))
        for split in ('train', 'val')
    }
    cfg = tiny_config(
        tmp / 'cfg.py',
        demo_root,
        base='mocov2_demo.py',
        train_dataloader=tiny_loader(demo_root, num_workers=0),
        train_cfg=dict(max_epochs=1),
        default_hooks={},
        custom_hooks=[
            dict(
                type='KNNHook',
                k=5,
                train_dataloader=loaders['train'],
                val_dataloader=loaders['val'])
        ])
    work = str(tmp / 'work')
    log = ok(run_tool(['train.py', cfg, '--work-dir', work], cwd=str(tmp)))
    return work, log


def test_knn_hook_logs_accuracy(trained_with_knn):
    work, log = trained_with_knn
    assert 'KNNHook: epoch 1: knn/top1' in log
    scalars = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    rows = [json.loads(line) for line in open(scalars[0])]
    knn = [r for r in rows if 'knn/top1' in r]
    assert len(knn) == 1 and 0 <= knn[0]['knn/top1'] <= 100


def test_extract_backbone_loads_strictly_everywhere(trained_with_knn,
                                                    tmp_path):
    work, _ = trained_with_knn
    ckpt = osp.join(work, 'epoch_1.pth')
    out = str(tmp_path / 'r18.pth')
    ok(run_tool(['extract_backbone.py', ckpt, out], cwd=str(tmp_path)))
    x = torch.randn(2, 3, 64, 64)

    inside = load_backbone(ResNet(depth=18), ckpt)
    inside.eval()  # (mmpretrain's ResNet.train() returns None)
    expected = inside(x)[-1].mean((2, 3))

    tv = torchvision.models.resnet18()
    tv.fc = torch.nn.Identity()
    tv.load_state_dict(torch.load(out, weights_only=True), strict=True)
    tv.eval()
    assert (tv(x) - expected).abs().max() < 1e-5

    mm = ResNet(depth=18, init_cfg=dict(type='Pretrained', checkpoint=out))
    mm.init_weights()
    mm.eval()
    assert (mm(x)[-1].mean((2, 3)) - expected).abs().max() < 1e-5

    momentum = str(tmp_path / 'k.pth')
    ok(
        run_tool(
            ['extract_backbone.py', ckpt, momentum, '--encoder', 'momentum'],
            cwd=str(tmp_path)))
    state = torch.load(ckpt, weights_only=True)['state_dict']
    k = torch.load(momentum, weights_only=True)
    assert torch.equal(k['conv1.weight'],
                       state['encoder_k.module.0.conv1.weight'])
    proc = run_tool(['extract_backbone.py', ckpt, out], cwd=str(tmp_path))
    assert proc.returncode == 2 and 'not overwriting' in proc.stderr


def test_backbone_mismatch_and_missing_backbone(trained_with_knn, tmp_path):
    from mmsal.errors import UsageError
    work, _ = trained_with_knn
    ckpt = osp.join(work, 'epoch_1.pth')
    with pytest.raises(
            UsageError, match='epoch_1.pth: its backbone weights '
            'do not fit'):
        load_backbone(ResNet(depth=50), ckpt)
    no_backbone = str(tmp_path / 'head_only.pth')
    torch.save(dict(state_dict={'head.w': torch.ones(1)}), no_backbone)
    proc = run_tool(
        ['extract_backbone.py', no_backbone,
         str(tmp_path / 'o.pth')],
        cwd=str(tmp_path))
    assert proc.returncode == 2
    assert 'has no online backbone' in proc.stderr.strip().splitlines()[-1]
