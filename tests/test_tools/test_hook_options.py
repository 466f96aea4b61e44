"""--cfg-options may name a custom hook by its type."""
import pytest
from mmengine.config import Config

from mmsal.config import hook_options
from mmsal.errors import UsageError


def _cfg(*types):
    return Config(
        dict(
            custom_hooks=[dict(type=t) for t in types],
            train_cfg=dict(max_epochs=2)))


def test_hook_named_by_type_finds_its_index():
    cfg = _cfg('KNNHook', 'SaliencyHook', 'BadImageHook')
    out = hook_options(
        cfg, {
            'SaliencyHook.resume_store': False,
            'train_cfg.max_epochs': 3,
            'custom_hooks.0.k': 5
        })
    assert out == {
        'custom_hooks.1.resume_store': False,
        'train_cfg.max_epochs': 3,
        'custom_hooks.0.k': 5
    }
    cfg.merge_from_dict(out)
    assert cfg.custom_hooks[1] == dict(type='SaliencyHook', resume_store=False)


@pytest.mark.parametrize('types,count', [(('KNNHook', ), 0),
                                         (('SaliencyHook', ) * 2, 2)])
def test_missing_or_ambiguous_hook_is_one_line(types, count):
    with pytest.raises(
            UsageError,
            match=rf'SaliencyHook.interval: the config has '
            rf'{count} SaliencyHook in custom_hooks'):
        hook_options(_cfg(*types), {'SaliencyHook.interval': 5})
