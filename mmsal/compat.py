"""Every workaround mmsal needs for its ecosystem, in one place.

Each fix below answers one trap measured with torch 2.14, torchvision 0.29,
mmengine 0.10.7, mmcv(-lite) 2.2.0, mmpretrain 1.2.0 and numpy 2 on Python
3.11 (see ``docs/compat.md``). They are applied once by ``import mmsal`` and
are narrow: each replaces one function with a version that behaves the same
where the original works.

1. ``pkg_resources``: setuptools >= 82 removed it, but mmengine imports it to
   resolve ``_base_ = 'mmpretrain::...'``. Replaced by ``importlib.metadata``.
2. ``_scope_`` in ``collate_fn``: configs inherited through ``mmpretrain::``
   tag every ``type`` dict with ``_scope_``, which mmengine then passes on to
   the collate function as a keyword. Dropped before the dataloader is built.
3. Safe checkpoint loading: torch >= 2.6 loads with ``weights_only=True``,
   which refuses mmengine's ``HistoryBuffer`` and numpy scalars kept in every
   checkpoint's ``message_hub``. Those few classes (and a ``getattr`` that
   only returns ``HistoryBuffer``'s statistics methods) are added to torch's
   allow-list; safe loading itself stays on.
4. numpy 2 and ``mmcv.adjust_hue``: ``np.uint8(negative float)`` raises
   ``OverflowError``, so every negative hue jitter failed. Replaced by a
   version that wraps the hue shift modulo 256.
5. CPU DDP: mmengine's pytorch launcher always calls ``torch.cuda.set_device``
   and wraps DDP with ``device_ids=[LOCAL_RANK]``. Without CUDA we initialise
   gloo and wrap with ``device_ids=None`` (see :func:`adapt_cfg_to_device`).
6. Checkpoint files: mmengine writes the bytes of ``epoch_N.pth`` in place
   (a kill during the write leaves a truncated file): local checkpoints are
   written to a ``.part`` file and renamed over the target. Reading one that
   is truncated, or that safe loading refuses (a crafted pickle), fails deep
   in torch: it becomes a one-line :class:`~mmsal.errors.CheckpointError`
   naming the file.
7. transformers >= 5 next to mmpretrain 1.2: mmpretrain imports its BLIP
   models whenever transformers >= 4.28 is installed, and their base classes
   are gone from transformers 5, so ``import mmpretrain.models`` fails.
   mmpretrain's own multimodal switch is turned off (those models become its
   "please install" placeholders; mmsal uses none of them).
"""
import importlib.metadata
import importlib.util
import os
import os.path as osp
import pickle
import sys
import warnings

import cv2
import numpy as np
import torch

_APPLIED = False
# The functions replaced by apply(), kept so tests can show each trap.
ORIGINALS = {}


# 1. pkg_resources ----------------------------------------------------------
def _distribution(package):
    try:
        return importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def is_installed(package: str) -> bool:
    """Whether ``package`` is installed (a distribution or an importable
    module), without ``pkg_resources``."""
    if _distribution(package) is not None:
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """The folder of an installed package, without ``pkg_resources``."""
    spec = importlib.util.find_spec(package.replace('-', '_'))
    if spec is None:
        dist = _distribution(package)
        top = (dist.read_text('top_level.txt') or '').split() if dist else []
        spec = importlib.util.find_spec(top[0]) if top else None
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f'package not installed: {package}')
    return osp.dirname(spec.origin)


def _patch_package_utils():
    import mmengine.config.config as config_mod
    import mmengine.utils as utils_mod
    import mmengine.utils.package_utils as pkg_mod
    ORIGINALS.setdefault('is_installed', pkg_mod.is_installed)
    ORIGINALS.setdefault('get_installed_path', pkg_mod.get_installed_path)
    for mod in (pkg_mod, utils_mod, config_mod):
        mod.is_installed = is_installed
        mod.get_installed_path = get_installed_path
    try:
        import mmengine.hub.hub as hub_mod
        hub_mod.get_installed_path = get_installed_path
    except ImportError:  # pragma: no cover - hub is optional
        pass


# 2. _scope_ in collate_fn --------------------------------------------------
def strip_collate_scope(dataloader):
    """Return ``dataloader`` (a config dict) without ``_scope_`` in its
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


def _patch_build_dataloader():
    from mmengine.runner import Runner
    original = Runner.build_dataloader
    if getattr(original, '_mmsal_patched', False):
        return
    ORIGINALS['build_dataloader'] = original

    def build_dataloader(dataloader, *args, **kwargs):
        return original(strip_collate_scope(dataloader), *args, **kwargs)

    build_dataloader._mmsal_patched = True
    Runner.build_dataloader = staticmethod(build_dataloader)


# 3. safe checkpoint loading -------------------------------------------------
def _history_buffer_method(obj, name):
    """Stands in for ``getattr`` while unpickling a checkpoint: a
    ``HistoryBuffer`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Only that lookup is allowed; a plain
    ``getattr`` would let a crafted file reach any attribute."""
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in ('min', 'max', 'current', 'mean'):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint refused: it asks for getattr({obj!r}, {name!r}), which '
        'is not on mmsal\'s allow-list')


def checkpoint_safe_globals():
    """The globals an mmengine training checkpoint holds beyond tensors and
    builtins: the message hub's ``HistoryBuffer`` (with its statistics
    methods) and the numpy arrays and scalars inside it."""
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    np_core = getattr(np, '_core', None) or np.core
    allowed = [
        HistoryBuffer, ConfigDict, np.ndarray, np.dtype,
        np_core.multiarray._reconstruct, np_core.multiarray.scalar,
        (_history_buffer_method, '__builtin__.getattr'),
        (_history_buffer_method, 'builtins.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes as their own classes (Float64DType, ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed


def _allow_checkpoint_classes():
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 has no weights-only default anyway
        add(checkpoint_safe_globals())


# 4. numpy 2 and mmcv.adjust_hue ---------------------------------------------
def adjust_hue(img, hue_factor, backend=None):
    """Shift the hue of a BGR image by ``hue_factor`` of a full turn
    (``[-0.5, 0.5]``). Same arguments and, for shifts >= 0, the same output
    as ``mmcv.adjust_hue``; negative shifts wrap modulo 256 instead of
    raising under numpy 2."""
    if backend is None:
        from mmcv.image.io import imread_backend as backend
    if backend not in ('cv2', 'pillow'):
        raise ValueError(f'backend: {backend} is not supported. '
                         "Supported backends are 'cv2', 'pillow'")
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor: {hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and img.ndim in (2, 3)):
        raise TypeError('img should be ndarray with dim=[2 or 3].')
    shift = int(hue_factor * 255) % 256

    def rotate(hue):
        return ((hue.astype(np.uint16) + shift) % 256).astype(np.uint8)

    if backend == 'pillow':
        from PIL import Image
        rgb = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
        h, s, v = rgb.convert('HSV').split()
        h = Image.fromarray(rotate(np.asarray(h)))
        out = Image.merge('HSV', (h, s, v)).convert('RGB')
        return np.array(out, dtype=img.dtype)[..., ::-1]
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL)
    hsv[..., 0] = rotate(hsv[..., 0])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(img.dtype)


def _patch_adjust_hue():
    import mmcv
    import mmcv.image
    import mmcv.image.photometric
    ORIGINALS.setdefault('adjust_hue', mmcv.image.photometric.adjust_hue)
    for mod in (mmcv, mmcv.image, mmcv.image.photometric):
        mod.adjust_hue = adjust_hue


# 5. CPU DDP ------------------------------------------------------------------
def _patch_init_dist():
    import mmengine.dist.utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if getattr(original, '_mmsal_patched', False):
        return
    ORIGINALS['_init_dist_pytorch'] = original

    def init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available():
            return original(backend, init_backend=init_backend, **kwargs)
        # No GPU: skip torch.cuda.set_device and use gloo.
        torch.distributed.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    init_dist_pytorch._mmsal_patched = True
    dist_utils._init_dist_pytorch = init_dist_pytorch


def adapt_cfg_to_device(cfg):
    """Make a config train on the devices present: without CUDA, distributed
    runs use gloo and wrap the model in DDP with ``device_ids=None``. With
    CUDA the config is left as it is."""
    if torch.cuda.is_available():
        return cfg
    env = cfg.setdefault('env_cfg', {})
    env.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg['model_wrapper_cfg'] = wrapper
    return cfg


# 6. noise ----------------------------------------------------------------------
def _quiet_known_warnings():
    """Two warnings that say nothing actionable: mmcv-lite has no
    ``mmcv.ops`` (not needed for pretraining), and mmcv's ``adjust_color``
    warns on every pillow-backend ColorJitter call."""
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    warnings.filterwarnings(
        'ignore', message="Only use 'alpha' for pillow backend")


def _patch_checkpoint_io():
    import mmengine.runner.runner as runner_module
    from mmengine.runner.checkpoint import CheckpointLoader

    from .checkpoint_io import load_from_local, save_checkpoint_atomic
    ORIGINALS['save_checkpoint'] = runner_module.save_checkpoint
    runner_module.save_checkpoint = save_checkpoint_atomic
    ORIGINALS['load_from_local'] = CheckpointLoader._schemes['']  # noqa
    CheckpointLoader.register_scheme('', load_from_local, force=True)


# 7. transformers >= 5 --------------------------------------------------------
def _skip_broken_multimodal():
    dist = _distribution('transformers')
    if dist is None or int(dist.version.split('.')[0]) < 5:
        return
    if 'mmpretrain.models' in sys.modules:  # too late; nothing to change
        return
    from mmpretrain.utils import dependency
    ORIGINALS['WITH_MULTIMODAL'] = dependency.WITH_MULTIMODAL
    dependency.WITH_MULTIMODAL = False


def apply():
    """Apply every fix above once; called by ``import mmsal``."""
    global _APPLIED
    if _APPLIED:
        return
    _quiet_known_warnings()
    _patch_package_utils()
    _patch_build_dataloader()
    _allow_checkpoint_classes()
    _patch_adjust_hue()
    _patch_init_dist()
    _patch_checkpoint_io()
    _skip_broken_multimodal()
    _APPLIED = True
