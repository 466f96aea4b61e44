"""Unreadable files through the real pipeline: the ``raise`` / ``skip``
policy in datasets and dataloader workers, and BadImageHook's summary."""
import logging
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmpretrain.registry import TRANSFORMS
from torch.utils.data import DataLoader

from mmsal.datasets import CocoScenes, DataError, SaliencyCrop
from mmsal.datasets.walk import find_transforms
from mmsal.engine import BadImageHook
from mmsal.saliency import SaliencyStore
from .bad_image_set import _IDS, BAD, GOOD


def _dataset(root, policy, saliency=True, **kwargs):
    if saliency:  # SaliencyCrop reading valid maps (the guided path)
        views = dict(
            type='SaliencyMultiView',
            num_views=2,
            transforms=[[
                dict(type='SaliencyCrop', scale=16, **kwargs),
                dict(type='RandomFlip', prob=0.5)
            ]])
        pack = dict(
            type='PackInputs', algorithm_keys=['saliency_score', 'crop_box'])
    else:
        crop = TRANSFORMS.build(
            dict(type='RandomResizedCrop', scale=16, backend='pillow'))
        views = dict(type='MultiView', num_views=2, transforms=[[crop]])
        pack = dict(type='PackInputs')
    pipeline = [dict(type='LoadSceneImage', bad_image=policy), views, pack]
    # built from mmpretrain's registry: no default scope needed
    ds = CocoScenes(
        data_root=str(root),
        img_dir='images',
        ann_file='',
        pipeline=[TRANSFORMS.build(t) for t in pipeline])
    if saliency:
        store = SaliencyStore(len(ds), map_size=4)
        store.write(torch.rand(len(ds), 4, 4))
        for crop in find_transforms(ds, SaliencyCrop):
            crop.store = store  # as SaliencyHook does
    return ds


def _bad_indices(ds):
    names = [
        osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))
    ]
    return {names.index(n): n for n in BAD}


def _loader_of(ds):
    return ds.pipeline.transforms[0]


def test_raise_names_the_file_and_index(bad_root):
    ds = _dataset(bad_root, 'raise')
    bad = _bad_indices(ds)
    for idx, name in bad.items():
        with pytest.raises(DataError) as e:
            ds[idx]
        msg = str(e.value)
        assert '\n' not in msg and BAD[name] in msg
        assert str(bad_root / 'images' / name) in msg
        assert f'sample_idx {idx}' in msg
    good = [i for i in range(len(ds)) if i not in bad]
    assert len(good) == len(GOOD) and all(
        ds[i]['inputs'][0].shape == (3, 16, 16) for i in good)
    assert _loader_of(ds).skipped == 0


@pytest.mark.parametrize('saliency,kwargs', [(True, {}),
                                             (True, dict(mode='box')),
                                             (False, {})])
def test_skip_yields_valid_samples_and_counts(bad_root, logs, saliency,
                                              kwargs):
    ds = _dataset(bad_root, 'skip', saliency, **kwargs)
    np.random.seed(0)
    for i in range(len(ds)):
        out = ds[i]
        views = out['inputs']
        assert len(views) == 2
        for view in views:
            assert view.shape == (3, 16, 16) and view.dtype == torch.uint8
        if saliency:
            box = out['data_samples'].crop_box
            assert box.shape == (2, 4) and np.isfinite(box).all()
    warned = [
        r.getMessage() for r in logs.records if r.levelno == logging.WARNING
    ]
    assert all('skipped unreadable image' in m for m in warned)
    named = {n for n in BAD for m in warned if osp.join('images', n) in m}
    assert named == set(BAD)  # every bad file was hit and named
    loader = _loader_of(ds)
    assert loader.skipped == len(warned) >= len(BAD)
    assert loader.reset_skipped() == len(warned) and loader.skipped == 0


def _deterministic(ds, good_idx):
    # refetch a known good index, not a random one: exact counts per pass
    ds._rand_another = lambda: good_idx
    return ds


def test_skip_count_survives_dataloader_workers(bad_root):
    ds = _deterministic(_dataset(bad_root, 'skip', saliency=False), 0)
    loader = DataLoader(
        ds, batch_size=4, num_workers=2, collate_fn=lambda batch: len(batch))
    assert sum(loader) == len(ds)
    assert _loader_of(ds).skipped == len(BAD)  # counted in the workers


def test_hook_logs_epoch_summary_and_resets(bad_root, logs):
    ds = _deterministic(_dataset(bad_root, 'skip', saliency=False), 0)
    hub = MessageHub.get_instance(f'test_bad_images_{next(_IDS)}')
    scalars = []
    runner = SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=ds),
        logger=logs.logger,
        message_hub=hub,
        epoch=0,
        visualizer=SimpleNamespace(
            add_scalars=lambda d, step: scalars.append((step, d))))
    hook = BadImageHook()
    hook.before_train(runner)
    for i in range(len(ds)):
        ds[i]
    hook.after_train_epoch(runner)
    summary = [
        r.getMessage() for r in logs.records
        if r.getMessage().startswith('BadImageHook')
    ]
    assert len(summary) == 1
    assert 'epoch 1: skipped 3 unreadable image(s) this epoch' in summary[0]
    assert hub.get_scalar('data/skipped_images').current() == 3
    assert scalars == [(1, {'data/skipped_images': 3})]
    assert _loader_of(ds).skipped == 0  # reset for the next epoch
    runner.epoch = 1
    ds[0]
    hook.after_train_epoch(runner)
    last = [r.getMessage() for r in logs.records][-1]
    assert 'epoch 2: skipped 0 unreadable image(s) this epoch' in last
    assert '(3 in total)' in last
    assert hub.get_scalar('data/skipped_images').current() == 0


def test_hook_warns_without_loader(logs):
    ds = SimpleNamespace(pipeline=[dict(type='LoadImageFromFile')])
    runner = SimpleNamespace(
        train_dataloader=SimpleNamespace(dataset=ds), logger=logs.logger)
    assert BadImageHook().find_loaders(runner) == []
    assert 'no LoadSceneImage' in logs.records[-1].getMessage()
