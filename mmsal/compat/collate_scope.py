"""``_scope_`` in ``collate_fn``.

Configs inherited through ``mmpretrain::`` tag every ``type`` dict with
``_scope_``, and mmengine's ``Runner.build_dataloader`` passes every key
but ``type`` to the collate function: ``default_collate() got an unexpected
keyword argument '_scope_'`` at the first batch. The fix drops ``_scope_``
from ``collate_fn`` before the dataloader is built.
"""
ORIGINAL = {}


def strip_collate_scope(dataloader):
    """``dataloader`` (a config dict) without ``_scope_`` in its
    ``collate_fn``; anything else is returned unchanged."""
    if not isinstance(dataloader, dict):
        return dataloader
    collate = dataloader.get('collate_fn')
    if isinstance(collate, dict) and '_scope_' in collate:
        dataloader = dataloader.copy()
        dataloader['collate_fn'] = {
            k: v
            for k, v in collate.items() if k != '_scope_'
        }
    return dataloader


def is_broken():
    """Build a one-item loader whose ``collate_fn`` has a ``_scope_`` and
    take its batch with mmengine's own ``build_dataloader``."""
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(
        dict(
            dataset=[0],
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate', _scope_='mmengine')))
    try:
        next(iter(loader))
    except TypeError:
        return True
    return False


def fix():
    from mmengine.runner import Runner
    original = Runner.build_dataloader
    ORIGINAL['build_dataloader'] = original

    def build_dataloader(dataloader, *args, **kwargs):
        return original(strip_collate_scope(dataloader), *args, **kwargs)

    Runner.build_dataloader = staticmethod(build_dataloader)
