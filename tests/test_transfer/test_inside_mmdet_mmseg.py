"""StrictPretrained inside mmdet's and mmseg's own ResNet / ResLayer code
(mmpretrain's ResLayerExtraNorm RoI head for mmdet), with SyncBN, a parent
with its own init_cfg and a residual block with one (mmengine runs a
non-'Pretrained' init_cfg before the children's: theirs must not overwrite
the weights). mmdet / mmseg refuse to import beside mmcv 2.2 and their
model packages need mmcv's ops, so the test loads only the module files it
needs, in a subprocess."""
import importlib.metadata
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torchvision

from ..conftest import REPO

SCRIPT = r'''
import importlib, os, sys, types
import mmsal  # registers StrictPretrained
import torch
from mmengine.model import BaseModule
from mmengine.registry import DefaultScope

site, package, ckpt = sys.argv[1:]
for name in [package, package + '.models', package + '.models.utils',
             package + '.models.layers', package + '.models.backbones',
             package + '.models.roi_heads',
             package + '.models.roi_heads.shared_heads']:
    module = types.ModuleType(name)  # the package without its __init__
    module.__path__ = [os.path.join(site, *name.split('.'))]
    sys.modules[name] = module
layers = 'layers' if package == 'mmdet' else 'utils'
res_layer = importlib.import_module(f'{package}.models.{layers}.res_layer')
setattr(sys.modules[f'{package}.models.{layers}'], 'ResLayer',
        res_layer.ResLayer)
resnet = importlib.import_module(f'{package}.models.backbones.resnet')
sys.modules[f'{package}.models.backbones'].ResNet = resnet.ResNet
DefaultScope.get_instance('t', scope_name=package)
sync = dict(type='SyncBN', requires_grad=True)


class Model(BaseModule):
    def __init__(self):
        super().__init__(init_cfg=[
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Constant', val=1, layer=['_BatchNorm'])])
        if package == 'mmdet':  # R50-C4: three stages + the RoI head
            self.backbone = resnet.ResNet(
                depth=50, num_stages=3, strides=(1, 2, 2),
                dilations=(1, 1, 1), out_indices=(2, ), frozen_stages=-1,
                norm_cfg=sync, norm_eval=False, style='pytorch',
                init_cfg=dict(type='StrictPretrained', checkpoint=ckpt,
                              ignore=('layer4.', )))
            importlib.import_module('mmdet.registry')
            # mmpretrain defines it only where mmdet imports: again, now
            extra = importlib.reload(importlib.import_module(
                'mmpretrain.models.utils.res_layer_extra_norm'))
            self.head = extra.ResLayerExtraNorm(
                depth=50, stage=3, stride=2, style='pytorch', norm_cfg=sync,
                norm_eval=False,
                init_cfg=dict(type='StrictPretrained', checkpoint=ckpt,
                              keep=('layer4.', ), own_init=('norm.', )))
        else:  # the FCN backbone: dilated, output stride 8
            self.backbone = resnet.ResNet(
                depth=50, dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
                contract_dilation=True, norm_cfg=sync, norm_eval=False,
                init_cfg=dict(type='StrictPretrained', checkpoint=ckpt))


model = Model()
# a block's own init, as mmdet's ResNet gives with zero_init_residual
model.backbone.layer1[0].init_cfg = dict(type='Constant', val=0,
                                         layer='Conv2d')
model.init_weights()
state = torch.load(ckpt, weights_only=True)
own = dict(model.backbone.state_dict())
if package == 'mmdet':
    own.update(model.head.state_dict())
same = sum(torch.equal(own[k], v) for k, v in state.items() if k in own)
print('compared', sum(k in own for k in state), 'equal', same,
      type(model.backbone.bn1).__name__, type(getattr(model, 'head',
                                                      None)).__name__)
'''


@pytest.mark.parametrize('package, dist', [('mmdet', 'mmdet'),
                                           ('mmseg', 'mmsegmentation')])
def test_weights_survive_their_init(package, dist, tmp_path):
    try:
        files = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f'{dist} is not installed (the tests extra has it)')
    site = str(files.locate_file(''))
    ckpt = str(tmp_path / 'r50.pth')
    state = torchvision.models.resnet50().state_dict()
    torch.save({
        k: v
        for k, v in state.items() if not k.startswith('fc.')
    }, ckpt)
    proc = subprocess.run([sys.executable, '-c', SCRIPT, site, package, ckpt],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr[-3000:]
    head = 'ResLayerExtraNorm' if package == 'mmdet' else 'NoneType'
    assert f'compared 318 equal 318 SyncBatchNorm {head}' in proc.stdout
    assert osp.isdir(osp.join(site, package))
