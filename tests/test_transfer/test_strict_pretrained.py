"""StrictPretrained: loads through mmengine's init_cfg, or fails loudly."""
import pytest
import torch
import torchvision
from mmpretrain.models.backbones import ResNet
from torch import nn

from mmsal.errors import UsageError
from mmsal.transfer import StrictPretrained


@pytest.fixture(scope='module')
def r18(tmp_path_factory):
    """A torchvision ResNet-18 saved as a training checkpoint (its weights
    under 'backbone.') and as a backbone file without BatchNorm counters."""
    tmp = tmp_path_factory.mktemp('r18')
    torch.manual_seed(0)
    state = {
        k: v
        for k, v in torchvision.models.resnet18().state_dict().items()
        if not k.startswith('fc.')
    }
    training = str(tmp / 'epoch_1.pth')
    torch.save(
        dict(state_dict={
            f'backbone.{k}': v
            for k, v in state.items()
        }), training)
    plain = str(tmp / 'r18.pth')
    torch.save(
        {
            k: v
            for k, v in state.items() if not k.endswith('num_batches_tracked')
        }, plain)
    return state, training, plain


def _same(module, state, expected):
    """Whether ``module`` holds ``state``'s values, checked on the
    ``expected`` number of shared names."""
    own = module.state_dict()
    shared = [k for k in state if k in own]
    assert len(shared) == expected
    return all(torch.equal(own[k], state[k]) for k in shared)


@pytest.mark.parametrize('which', ['training', 'plain'])
def test_loads_through_init_cfg(r18, which):
    state, training, plain = r18
    ckpt = training if which == 'training' else plain
    # mmpretrain's ResNet zero-initialises its residual BatchNorm after any
    # init_cfg but 'Pretrained' (zero_init_residual=True by default):
    # StrictPretrained turns that off
    net = ResNet(
        depth=18, init_cfg=dict(type='StrictPretrained', checkpoint=ckpt))
    assert not _same(net, state, 120)
    net.init_weights()
    assert _same(net, state, 120)
    assert net.layer1[0].norm2.weight.abs().sum() > 0


def test_other_depth_is_an_error_naming_the_file(r18):
    _, training, _ = r18
    net = ResNet(depth=50)
    with pytest.raises(
            UsageError, match=r'epoch_1\.pth: .*do not fit.*'
            r'missing'):
        StrictPretrained(training)(net)


def test_model_checkpoint_without_backbone_says_so(tmp_path):
    ckpt = str(tmp_path / 'neck_only.pth')
    torch.save(dict(state_dict={'neck.fc.weight': torch.zeros(2, 2)}), ckpt)
    with pytest.raises(
            UsageError,
            match=r"neck_only\.pth has no backbone "
            r"\(a model checkpoint with no keys starting with "
            "'backbone.'"):
        StrictPretrained(ckpt)(ResNet(depth=18))


def test_c4_backbone_and_roi_head_share_one_file(r18):
    """R50-C4 style: three stages in the backbone, the fourth in the RoI
    head; each takes its part, and nothing is left unaccounted for."""
    state, training, _ = r18
    three = ResNet(
        depth=18,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        zero_init_residual=False)
    with pytest.raises(UsageError, match='unexpected'):
        StrictPretrained(training)(three)  # layer4 has no place
    StrictPretrained(training, ignore=('layer4.', ))(three)
    assert _same(three, state, 90)

    head = nn.Module()
    head.layer4 = torchvision.models.resnet18().layer4
    StrictPretrained(training, keep=('layer4.', ))(head)
    assert _same(head, state, 30)
    assert torch.equal(head.layer4[0].conv1.weight,
                       state['layer4.0.conv1.weight'])


def test_own_init_weights_may_stay_unloaded(r18):
    """A RoI head with a BatchNorm after the last stage (ResLayerExtraNorm):
    that BatchNorm is not in the checkpoint."""
    state, training, _ = r18
    head = nn.Module()
    head.layer4 = torchvision.models.resnet18().layer4
    head.norm = nn.BatchNorm2d(512)
    with pytest.raises(UsageError, match='2 missing|4 missing'):
        StrictPretrained(training, keep=('layer4.', ))(head)
    StrictPretrained(training, keep=('layer4.', ), own_init=('norm.', ))(head)
    assert _same(head, state, 30)
