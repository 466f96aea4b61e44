"""compat.collate_scope: ``_scope_`` never reaches the collate function."""
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmsal.compat import collate_scope
from .test_package_utils import MMPRETRAIN_BASE


def _loader_cfg(demo_root, collate_fn):
    return dict(
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=collate_fn,
        dataset=dict(
            type='CocoScenes',
            data_root=demo_root,
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='PackInputs')]))


def test_inherited_config_carries_scope_into_collate_fn(tmp_path):
    cfg_file = tmp_path / 'user_cfg.py'
    cfg_file.write_text(MMPRETRAIN_BASE)
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.train_dataloader.collate_fn.get('_scope_') == 'mmpretrain'


def test_collate_scope_is_dropped(demo_root):
    init_default_scope('mmpretrain')
    collate = dict(type='default_collate', _scope_='mmpretrain')
    original = collate_scope.ORIGINAL.get('build_dataloader')
    if original is not None:  # the installed mmengine has the trap
        broken = original(_loader_cfg(demo_root, collate))
        with pytest.raises(TypeError, match='_scope_'):
            next(iter(broken))
    loader = Runner.build_dataloader(_loader_cfg(demo_root, collate))
    batch = next(iter(loader))
    assert batch['inputs'].shape[0] == 2
    assert collate_scope.strip_collate_scope(dict(collate_fn=collate)) == \
        dict(collate_fn=dict(type='default_collate'))
    assert not collate_scope.is_broken()  # fixed, or never broken
