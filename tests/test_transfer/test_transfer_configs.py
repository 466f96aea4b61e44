"""configs/benchmarks/det_* / seg_*: they parse against the installed mmdet
and mmseg base configs, guard the transfer pitfalls, and their weights fit
(tools/check_transfer.py). Building the detectors needs mmcv's compiled ops
and is not tested here."""
import importlib.metadata
import importlib.util
import os.path as osp

import pytest
import torch
import torchvision
from mmengine.config import Config

from mmsal.errors import UsageError
from mmsal.transfer.preflight import check_weights, pitfalls, protocol_batch
from mmsal.transfer.pretrained import check_pretrained
from ..conftest import CONFIGS, ok, run_tool

CONFIGS_BY_PACKAGE = {
    'det_voc0712_faster_rcnn_c4.py': 'mmdet',
    'det_coco_mask_rcnn_fpn_1x.py': 'mmdet',
    'seg_voc12aug_fcn.py': 'mmseg',
    'seg_cityscapes_fcn.py': 'mmseg',
}


def _load(name):
    package = CONFIGS_BY_PACKAGE[name]
    if importlib.util.find_spec(package) is None and not (
            # blocked by mmsal.compat.mmdet_version, but installed
            importlib.metadata.packages_distributions().get(package)):
        pytest.skip(f'{package} is not installed (the tests extra has it)')
    return Config.fromfile(osp.join(CONFIGS, 'benchmarks', name))


@pytest.fixture(scope='module')
def r50(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('r50') / 'r50.pth')
    state = torchvision.models.resnet50().state_dict()
    torch.save({
        k: v
        for k, v in state.items() if not k.startswith('fc.')
    }, path)
    return path


@pytest.mark.parametrize('name', sorted(CONFIGS_BY_PACKAGE))
def test_protocol_and_pitfalls(name, r50):
    cfg = _load(name)
    assert cfg.default_scope == CONFIGS_BY_PACKAGE[name]
    # the field's total batch: 16, Cityscapes 8 (mmseg's), declared
    total = 8 if 'cityscapes' in name else 16
    assert cfg.auto_scale_lr.base_batch_size == protocol_batch(cfg) == total
    gpus = total // cfg.train_dataloader.batch_size
    assert pitfalls(cfg, gpus=gpus) == []
    assert any(f"not the protocol's {total}" in f
               for f in pitfalls(cfg, gpus=2 * gpus))
    backbone = cfg.model.backbone
    assert backbone.type == 'ResNet' and backbone.depth == 50
    assert backbone.init_cfg.type == 'StrictPretrained'
    lines = check_weights(cfg, name, r50)
    # a torchvision ResNet-50 without fc: 318 tensors; R50-C4 splits them
    # into three stages (258) and the RoI head's last stage (60)
    counts = [int(line.split(' <- ')[1].split()[0]) for line in lines]
    assert counts == ([258, 60] if 'c4' in name else [318])


def test_voc_detection_is_the_moco_protocol():
    cfg = _load('det_voc0712_faster_rcnn_c4.py')
    assert cfg.train_cfg.max_iters == 24000
    assert cfg.param_scheduler[1].milestones == [18000, 22000]
    assert cfg.val_evaluator.iou_thrs[0] == 0.5
    assert cfg.val_evaluator.iou_thrs[-1] == 0.95
    assert len(cfg.val_evaluator.iou_thrs) == 10
    # torchvision-style (RGB, ImageNet std) weights, not caffe-style
    assert cfg.model.data_preprocessor.bgr_to_rgb is True
    assert cfg.model.backbone.style == 'pytorch'
    assert cfg.model.roi_head.shared_head.init_cfg.keep == ('layer4.', )


def test_coco_mask_rcnn_trains_multi_scale():
    """detectron2's MIN_SIZE_TRAIN (640, 672, ..., 800), max side 1333;
    the test stays single-scale at 800."""
    cfg = _load('det_coco_mask_rcnn_fpn_1x.py')
    resize = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if 'Resize' in t['type']
    ]
    assert len(resize) == 1 and resize[0]['type'] == 'RandomChoiceResize'
    assert [tuple(s) for s in resize[0]['scales']
            ] == [(1333, side) for side in (640, 672, 704, 736, 768, 800)]
    assert resize[0]['keep_ratio'] is True
    test_resize = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] == 'Resize'
    ]
    assert tuple(test_resize[0]['scale']) == (1333, 800)


@pytest.mark.parametrize(
    'name', ['det_voc0712_faster_rcnn_c4.py', 'det_coco_mask_rcnn_fpn_1x.py'])
def test_detection_has_no_weight_decay_on_norm_layers(name):
    cfg = _load(name)
    assert cfg.optim_wrapper.paramwise_cfg.norm_decay_mult == 0
    assert cfg.optim_wrapper.optimizer.weight_decay > 0  # elsewhere it has
    del cfg.optim_wrapper['paramwise_cfg']
    assert any('norm_decay_mult is not 0' in f for f in pitfalls(cfg, 8))


def test_mask_rcnn_heads_are_synchronised():
    cfg = _load('det_coco_mask_rcnn_fpn_1x.py')
    assert cfg.model.roi_head.bbox_head.type == 'Shared4Conv1FCBBoxHead'
    for part in (cfg.model.neck, cfg.model.roi_head.bbox_head,
                 cfg.model.roi_head.mask_head):
        assert part.norm_cfg.type == 'SyncBN'


def test_c4_roi_head_is_moco_s_extra_norm_head():
    cfg = _load('det_voc0712_faster_rcnn_c4.py')
    head = cfg.model.roi_head.shared_head
    assert head.type == 'ResLayerExtraNorm'
    assert head.init_cfg.own_init == ('norm.', )


@pytest.mark.parametrize('change, message', [
    (dict(type='ResNetV1c'), "type 'ResNetV1c': only ResNet"),
    (dict(deep_stem=True), 'deep_stem=True: not the layout'),
    (dict(init_cfg=dict(type='Pretrained', checkpoint='x.pth')),
     "type is 'Pretrained', which loads whatever fits"),
])
def test_weights_check_refusals(change, message, r50):
    cfg = _load('seg_voc12aug_fcn.py')
    cfg.model.backbone.update(change)
    with pytest.raises(UsageError, match=message):
        check_weights(cfg, 'cfg.py', r50)


def test_defaults_and_input_pitfalls():
    """What a config leaves to mmdet's code defaults counts too."""
    cfg = _load('det_voc0712_faster_rcnn_c4.py')
    del cfg.model.roi_head.shared_head['norm_eval']  # mmdet: True
    cfg.model.backbone.norm_cfg.requires_grad = False
    cfg.model.backbone.style = 'caffe'
    cfg.model.data_preprocessor.bgr_to_rgb = False
    del cfg.train_dataloader['batch_size']
    found = '\n'.join(pitfalls(cfg, gpus=8))
    assert 'model.roi_head.shared_head.norm_eval is not False' in found
    assert 'model.backbone.norm_cfg.requires_grad is False' in found
    assert "model.backbone.style is 'caffe'" in found
    assert 'model.data_preprocessor is not RGB' in found
    assert 'train_dataloader.batch_size is not set' in found


def test_pitfalls_are_found():
    cfg = _load('seg_voc12aug_fcn.py')
    cfg.model.backbone.norm_eval = True
    cfg.model.backbone.frozen_stages = 1
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    found = pitfalls(cfg, gpus=4)
    assert len(found) == 4
    assert any('model.decode_head.norm_cfg.type' in f for f in found)
    assert any('frozen_stages is 1' in f for f in found)
    assert any('total batch 8' in f for f in found)


def test_train_refuses_a_missing_roi_head_checkpoint(r50):
    cfg = _load('det_voc0712_faster_rcnn_c4.py')
    cfg.model.backbone.init_cfg.checkpoint = r50
    with pytest.raises(
            UsageError,
            match='model.roi_head.shared_head.init_cfg.checkpoint '
            'not found'):
        check_pretrained(cfg)


def test_check_transfer_tool(tmp_path, r50):
    config = osp.join(CONFIGS, 'benchmarks', 'det_voc0712_faster_rcnn_c4.py')
    _load('det_voc0712_faster_rcnn_c4.py')  # skips without mmdet
    log = ok(
        run_tool(['check_transfer.py', config, '--checkpoint', r50],
                 cwd=tmp_path))
    assert '258 tensors' in log and '60 tensors' in log  # 3 stages + head

    r18 = str(tmp_path / 'r18.pth')
    torch.save(torchvision.models.resnet18().state_dict(), r18)
    proc = run_tool(['check_transfer.py', config, '--checkpoint', r18],
                    cwd=tmp_path)
    assert proc.returncode == 2
    assert 'r18.pth: its backbone weights do not fit' in proc.stderr

    no_backbone = tmp_path / 'no_backbone.py'
    no_backbone.write_text(f"_base_ = '{config}'\n"
                           "model = dict(backbone=dict(_delete_=True))\n")
    proc = run_tool(['check_transfer.py', str(no_backbone)], cwd=tmp_path)
    assert proc.returncode == 2
    assert 'the model has no backbone' in proc.stderr.strip().splitlines()[-1]


def test_input_std_and_default_norm_are_pitfalls():
    cfg = _load('seg_voc12aug_fcn.py')
    cfg.model.data_preprocessor.std = [1., 1., 1.]  # caffe-style input
    del cfg.model.backbone['norm_cfg']  # mmseg's ResNet default: BN
    found = '\n'.join(pitfalls(cfg, gpus=8))
    assert 'model.data_preprocessor is not RGB' in found
    assert 'model.backbone.norm_cfg is not set: plain BN' in found


def test_c4_parts_come_from_one_pretraining(r50, tmp_path):
    """Only the backbone's checkpoint overridden: the RoI head would load
    another file; the RoI head's init removed: layer4 would stay random."""
    other = str(tmp_path / 'other.pth')
    torch.save(torch.load(r50), other)
    cfg = _load('det_voc0712_faster_rcnn_c4.py')
    cfg.model.backbone.init_cfg.checkpoint = r50
    cfg.model.roi_head.shared_head.init_cfg.checkpoint = other
    with pytest.raises(
            UsageError,
            match=r'shared_head.init_cfg.checkpoint '
            r'\(.*other.pth\) is not model.backbone'):
        check_pretrained(cfg)
    with pytest.raises(UsageError, match='one pretraining'):
        check_weights(cfg, 'cfg.py', r50)
    cfg.model.roi_head.shared_head.init_cfg = None
    for check in (check_pretrained, lambda c: check_weights(c, 'c.py', r50)):
        with pytest.raises(UsageError, match=r'ignore leaves out layer4\.\*'):
            check(cfg)
    # weights no part has (a classifier's fc) may be ignored alone
    cfg.model.backbone.init_cfg.ignore = ('fc.', )
    check_pretrained(cfg)


def test_weights_check_without_any_checkpoint():
    cfg = _load('seg_voc12aug_fcn.py')
    cfg.model.backbone.init_cfg.checkpoint = None
    with pytest.raises(
            UsageError, match='checkpoint is not set; pass '
            '--checkpoint'):
        check_weights(cfg, 'cfg.py')
