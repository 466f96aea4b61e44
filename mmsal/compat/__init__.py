"""Workarounds for the ecosystem, one module per trap.

Each module answers one trap measured with torch 2.14, torchvision 0.29,
mmengine 0.10.7, mmcv(-lite) 2.2.0, mmpretrain 1.2.0 and numpy 2 on Python
3.11 (``docs/compat.md``). Each has ``is_broken()``, a cheap check of the
installed packages (a probe of the original function where one is cheap),
and ``fix()``, which replaces one function by a version that behaves the
same where the original works and keeps the original in the module's
``ORIGINAL``. :func:`apply` (called by ``import mmsal``) fixes only what is
broken and records it in :data:`APPLIED`.

========================  ==================================================
module                    trap
========================  ==================================================
``package_utils``         no ``pkg_resources`` (setuptools >= 82): configs
                          with ``mmpretrain::`` bases fail to load
``collate_scope``         ``_scope_`` reaches the collate function
``safe_loading``          torch >= 2.6 safe loading refuses mmengine
                          checkpoints
``hue``                   numpy 2: ``mmcv.adjust_hue`` fails on negative
                          shifts
``cpu_ddp``               mmengine's pytorch launcher needs CUDA
``checkpoint_files``      checkpoints written in place; unreadable ones fail
                          deep in torch
``multimodal``            transformers >= 5 breaks ``import
                          mmpretrain.models``
``mmdet_version``         mmdet beside mmcv 2.2 breaks ``import
                          mmpretrain.models``
``quiet``                 two warnings that say nothing actionable
``numpy_in1d``            numpy >= 2.4: mmpretrain's retrieval metrics call
                          the removed ``np.in1d``
========================  ==================================================
"""
from . import (checkpoint_files, collate_scope, cpu_ddp, hue, mmdet_version,
               multimodal, numpy_in1d, package_utils, quiet, safe_loading)
from .cpu_ddp import adapt_cfg_to_device  # noqa: F401  (tools use it)

#: In the order :func:`apply` checks them (``mmdet_version`` and
#: ``multimodal`` first: they must run before anything imports
#: ``mmpretrain.models``).
TRAPS = (mmdet_version, multimodal, quiet, package_utils, collate_scope,
         safe_loading, hue, cpu_ddp, checkpoint_files, numpy_in1d)

#: Names of the traps :func:`apply` fixed in this process.
APPLIED = []


def name_of(trap):
    return trap.__name__.rsplit('.', 1)[-1]


def apply():
    """Fix every trap the installed packages have, once per process."""
    for trap in TRAPS:
        name = name_of(trap)
        if name not in APPLIED and trap.is_broken():
            trap.fix()
            APPLIED.append(name)
    return list(APPLIED)


__all__ = ['APPLIED', 'TRAPS', 'adapt_cfg_to_device', 'apply'
           ] + [name_of(t) for t in TRAPS]
