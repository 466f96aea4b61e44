"""Loading a config as the runners do: the command-line overrides merged
(a custom hook may be named by its type), the work_dir resolved, and the
rewrites mmsal needs before the runner builds anything."""
from __future__ import annotations
import os.path as osp
from typing import Any, Dict, Mapping, Optional

from mmengine.config import Config

from .compat import adapt_cfg_to_device
from .errors import UsageError, require_file
from .models.data_preprocessors import move_view_augment

# the default hooks mmengine itself registers (None removes them)
MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger',
                          'param_scheduler', 'checkpoint')


def hook_options(cfg: Config,
                 cfg_options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """``--cfg-options`` keys that name a custom hook by its type
    (``SaliencyHook.resume_store=False``) rewritten to its place in
    ``custom_hooks`` (``custom_hooks.0.resume_store``), so overrides do not
    depend on the order of the hooks. Other keys pass unchanged."""
    hooks = cfg.get('custom_hooks') or []
    types = [h.get('type') if isinstance(h, dict) else None for h in hooks]
    out = {}
    for key, value in (cfg_options or {}).items():
        head, _, rest = key.partition('.')
        if rest and head.endswith('Hook') and head not in cfg:
            if types.count(head) != 1:
                raise UsageError(
                    f'--cfg-options {key}: the config has '
                    f'{types.count(head)} {head} in custom_hooks; name it '
                    'as custom_hooks.N.<option> instead')
            key = f'custom_hooks.{types.index(head)}.{rest}'
        out[key] = value
    return out


def load_config(path: str,
                cfg_options: Optional[Mapping[str, Any]] = None,
                launcher: str = 'none',
                work_dir: Optional[str] = None) -> Config:
    """Load ``path`` with ``--cfg-options`` merged (hooks may be named by
    type, :func:`hook_options`), the launcher set, the
    work_dir resolved (CLI > config > ``work_dirs/<config name>``), the
    view augmentations moved to the model for ``augment_on='device'``
    (:func:`mmsal.models.data_preprocessors.move_view_augment`) and the
    device fixes of :func:`mmsal.compat.adapt_cfg_to_device` applied."""
    require_file(path, 'config file')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(hook_options(cfg, cfg_options))
    if cfg.get('train_dataloader'):
        move_view_augment(cfg)
    # default_hooks.<name>=None turns off a hook of mmsal's runtime
    # (exact_resume) too; mmengine accepts None only for its own names
    hooks = cfg.get('default_hooks') or {}
    for name in [k for k, v in hooks.items() if v is None]:
        if name not in MMENGINE_DEFAULT_HOOKS:
            del hooks[name]
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return adapt_cfg_to_device(cfg)
