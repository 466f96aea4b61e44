"""augment_on='device': which transforms move from the workers to the data
preprocessor, for the shipped recipes and for bad configs."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmsal.config import load_config
from mmsal.errors import MmsalError, OptionError
from mmsal.models.data_preprocessors import (BatchColorJitter, BatchFlip,
                                             BatchGaussianBlur, BatchGrayscale,
                                             batch_op, move_view_augment,
                                             split_view_pipeline)
from mmsal.models.data_preprocessors.view_augment_preprocessor import \
    ViewAugmentPreprocessor
from ..conftest import CONFIGS


def _views(cfg):
    return next(t for t in cfg.train_dataloader.dataset.pipeline
                if 'MultiView' in t['type'])


@pytest.mark.parametrize('name, crop',
                         [('salssl_coco.py', 'SaliencyCrop'),
                          ('mocov2_coco.py', 'RandomResizedCrop')])
def test_coco_recipes_augment_on_the_device(name, crop):
    cfg = load_config(osp.join(CONFIGS, name))
    assert [t['type'] for t in _views(cfg)['transforms'][0]] == [crop]
    pre = cfg.model.data_preprocessor
    assert pre['type'] == 'ViewAugmentPreprocessor' and pre['to_rgb']
    assert len(pre['view_augments']) == 2  # one list per view
    built = ViewAugmentPreprocessor(**{
        k: v
        for k, v in pre.items() if k != 'type'
    })
    ops = built.ops_of_view(1)
    assert [type(op) for op in ops] == [
        BatchColorJitter, BatchGrayscale, BatchGaussianBlur, BatchFlip
    ]
    jitter, grey, blur, flip = ops
    assert jitter.prob == 0.8 and jitter.ranges[3] == (-0.1, 0.1)
    assert grey.prob == 0.2
    # the config's weights are in mmcv's BGR order; the ops see RGB
    assert grey.weights[0] > grey.weights[2]
    assert blur.prob == 0.5 and blur.sigma_range == (0.1, 2.0)
    assert flip.prob == 0.5


def test_a_saved_config_loads_again(tmp_path):
    """The Runner saves the rewritten config into its work_dir; resuming or
    evaluating from it must not move the augmentations a second time."""
    cfg = load_config(osp.join(CONFIGS, 'salssl_coco.py'))
    saved = str(tmp_path / 'salssl_coco.py')
    cfg.dump(saved)
    again = load_config(saved)
    assert again.model.data_preprocessor == cfg.model.data_preprocessor
    assert _views(again)['transforms'] == _views(cfg)['transforms']


def test_blur_magnitude_std_as_mmpretrain():
    """'inf': sigma uniform up to the level's magnitude; 0 or negative: a
    fixed sigma (mmpretrain's random_magnitude)."""
    blur = dict(
        type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_level=5)
    assert batch_op({
        **blur, 'magnitude_std': 'inf'
    }).sigma_range == (0.1, 1.05)
    for std in (0, -1):
        assert batch_op({
            **blur, 'magnitude_std': std
        }).sigma_range == (1.05, 1.05)


def test_cpu_keeps_the_recipe():
    cfg = load_config(
        osp.join(CONFIGS, 'salssl_coco.py'), {'augment_on': 'cpu'})
    types = [t['type'] for t in _views(cfg)['transforms'][0]]
    assert types == [
        'SaliencyCrop', 'RandomApply', 'RandomGrayscale', 'GaussianBlur',
        'RandomFlip'
    ]
    assert cfg.model.data_preprocessor['type'] == 'SelfSupDataPreprocessor'


def test_demo_configs_select_it_on_the_command_line():
    cfg = load_config(
        osp.join(CONFIGS, 'salssl_demo.py'), {'augment_on': 'device'})
    assert [t['type']
            for t in _views(cfg)['transforms'][0]] == ['SaliencyCrop']
    assert load_config(osp.join(
        CONFIGS, 'salssl_demo.py')).model.data_preprocessor['type'] == (
            'SelfSup'
            'DataPreprocessor')


def test_only_a_tail_of_batchable_transforms_moves():
    pipe = [
        dict(type='RandomResizedCrop', scale=8),
        dict(type='RandomFlip', prob=0.5),
        dict(type='RandomApply', transforms=[dict(type='Posterize')]),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
        dict(type='Solarize', thr=128, prob=0.2),
    ]
    worker, device = split_view_pipeline(pipe)
    assert worker == pipe[:3] and device == pipe[3:]


@pytest.mark.parametrize('change, match', [
    (dict(augment_on='gpu'), "augment_on: 'gpu'"),
    (dict(train_pipeline_tail=dict(type='Resize', scale=8)),
     'ends with Resize, which has no batched twin'),
    (dict(preprocessor='ClsDataPreprocessor'),
     'model.data_preprocessor is ClsDataPreprocessor'),
])
def test_bad_configs_one_line(change, match):
    cfg = Config(
        dict(
            augment_on=change.get('augment_on', 'device'),
            model=dict(
                type='MoCo',
                data_preprocessor=dict(
                    type=change.get('preprocessor',
                                    'SelfSupDataPreprocessor'))),
            train_dataloader=dict(
                dataset=dict(pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(
                        type='MultiView',
                        num_views=2,
                        transforms=[[
                            dict(type='RandomResizedCrop', scale=8),
                            dict(type='RandomFlip', prob=0.5),
                            change.get('train_pipeline_tail',
                                       dict(type='RandomFlip', prob=0.5)),
                        ]])
                ]))))
    with pytest.raises(OptionError, match=match) as err:
        move_view_augment(cfg)
    assert '\n' not in str(err.value)
    assert isinstance(err.value, MmsalError)


def test_mmpretrain_byol_two_different_views(tmp_path):
    """BYOL's two view pipelines differ (blur always / rarely, solarize
    never / sometimes): each view gets its own ops, flips included."""
    path = tmp_path / 'byol.py'
    path.write_text("_base_ = 'mmpretrain::byol/byol_resnet50_16xb256-"
                    "coslr-200e_in1k.py'\naugment_on = 'device'\n")
    cfg = move_view_augment(Config.fromfile(str(path)))
    views = _views(cfg)
    assert [[t['type'] for t in v]
            for v in views['transforms']] == [['RandomResizedCrop']] * 2
    pre = dict(cfg.model.data_preprocessor)
    built = ViewAugmentPreprocessor(**{
        k: v
        for k, v in pre.items() if k != 'type'
    })
    first, second = built.ops_of_view(0), built.ops_of_view(1)
    assert type(first[0]) is BatchFlip and len(first) == len(second) == 5
    assert first[3].prob == 1.0 and second[3].prob == 0.1  # blur
    assert first[4].prob == 0.0 and second[4].prob == 0.2  # solarize
    assert first[4].thr == 128
