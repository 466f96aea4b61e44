"""Conversion to detectron2's names and tools/convert_to_detectron2.py."""
import pickle

import pytest
import torch
import torchvision

from mmsal.errors import UsageError
from mmsal.transfer import detectron2_name, to_detectron2
from ..conftest import ok, run_tool


@pytest.mark.parametrize('key, name', [
    ('conv1.weight', 'stem.conv1.weight'),
    ('bn1.running_var', 'stem.conv1.norm.running_var'),
    ('layer1.0.conv2.weight', 'res2.0.conv2.weight'),
    ('layer1.0.bn3.bias', 'res2.0.conv3.norm.bias'),
    ('layer3.5.bn1.running_mean', 'res4.5.conv1.norm.running_mean'),
    ('layer4.0.downsample.0.weight', 'res5.0.shortcut.weight'),
    ('layer2.0.downsample.1.weight', 'res3.0.shortcut.norm.weight'),
    ('layer2.0.bn1.num_batches_tracked', None),
    ('fc.weight', None),
])
def test_names(key, name):
    assert detectron2_name(key) == name


def test_not_a_resnet_is_an_error():
    with pytest.raises(UsageError, match="'blocks.0.attn.qkv.weight'"):
        detectron2_name('blocks.0.attn.qkv.weight')
    with pytest.raises(UsageError, match='no ResNet stem'):
        to_detectron2({'fc.weight': torch.ones(1)})


def test_resnet50_converts_completely():
    state = torchvision.models.resnet50().state_dict()
    out = to_detectron2(state)
    assert out['matching_heuristics'] is True
    model = out['model']
    # 320 tensors less fc (2) and 53 BatchNorm counters
    assert len(model) == 265
    assert len(set(model)) == len(model)
    assert torch.equal(model['res5.2.conv3.norm.weight'],
                       state['layer4.2.bn3.weight'])
    assert {k.split('.')[0]
            for k in model} == {'stem', 'res2', 'res3', 'res4', 'res5'}


def test_tool_writes_a_pickle_and_refuses_bad_input(tmp_path):
    state = {
        k: v
        for k, v in torchvision.models.resnet18().state_dict().items()
        if not k.startswith('fc.')
    }
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            state_dict={
                **{
                    f'backbone.{k}': v
                    for k, v in state.items()
                }, 'head.w': torch.ones(1)
            }), ckpt)
    out = str(tmp_path / 'r18.pkl')
    log = ok(run_tool(['convert_to_detectron2.py', ckpt, out], cwd=tmp_path))
    assert "in detectron2's format" in log
    with open(out, 'rb') as f:
        raw = f.read()
    # nothing numpy 1 could not unpickle (numpy 2 arrays name numpy._core)
    assert b'numpy' not in raw
    model = pickle.loads(raw, encoding='latin1')['model']  # as detectron2
    assert torch.equal(model['res3.0.shortcut.weight'],
                       state['layer2.0.downsample.0.weight'])

    again = run_tool(['convert_to_detectron2.py', ckpt, out], cwd=tmp_path)
    assert again.returncode == 2 and 'not overwriting' in again.stderr

    empty = str(tmp_path / 'head_only.pth')
    torch.save(dict(state_dict={'head.w': torch.ones(1)}), empty)
    bad = run_tool(
        ['convert_to_detectron2.py', empty,
         str(tmp_path / 'x.pkl')],
        cwd=tmp_path)
    assert bad.returncode == 2
    assert 'has no online backbone' in bad.stderr.strip().splitlines()[-1]
