"""The random state of a training process, saved and restored as a whole.

A checkpoint holds the weights, the optimizer and the schedule; a resumed
run also needs the generators that decide what happens next: Python's,
numpy's and torch's global ones (shuffle-BN's permutation under DDP, the
saliency pass's loader seed, ...) and those that modules own (the device
augmentations', the shuffled-weight control's). :func:`capture` returns them
as tensors and plain numbers (checkpoints load with weights-only loading);
:func:`restore` puts them back. A module takes part by deriving from
:class:`RandomStateful`.
"""
from __future__ import annotations
import abc
import random
from typing import Any, Dict, Mapping, Optional, Tuple, cast

import numpy as np
import torch
from torch import nn


class RandomStateful(abc.ABC):
    """Marks a module that owns generators. It defines ``rng_state()``
    (``{name: ByteTensor}``, the generators' states), which :func:`capture`
    saves, and ``load_rng_state(state)``, which :func:`restore` calls with
    it."""

    @abc.abstractmethod
    def rng_state(self) -> Dict[str, torch.Tensor]:
        """The generators' states, by name."""

    @abc.abstractmethod
    def load_rng_state(self, state: Mapping[str, torch.Tensor]) -> None:
        """Set the generators from :meth:`rng_state`'s output."""


def capture(model: Optional[nn.Module] = None) -> Dict[str, Any]:
    """The process's random state, and that of ``model``'s modules."""
    # the legacy (tuple) form, which get_state() returns by default
    kind, keys, pos, has_gauss, gauss = cast(
        Tuple[str, np.ndarray, int, int, float], np.random.get_state())
    state: Dict[str, Any] = dict(
        python=random.getstate(),
        numpy=dict(
            keys=torch.from_numpy(keys.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            gauss=float(gauss)),
        torch=torch.get_rng_state(),
        cuda=(torch.cuda.get_rng_state_all()
              if torch.cuda.is_available() else []),
        modules={})
    for name, module in (model.named_modules() if model is not None else []):
        if isinstance(module, RandomStateful):
            state['modules'][name] = module.rng_state()
    return state


def restore(state: Mapping[str, Any],
            model: Optional[nn.Module] = None) -> None:
    """Set the process's (and ``model``'s modules') generators from
    :func:`capture`'s output."""
    random.setstate(state['python'])
    np_state = state['numpy']
    np.random.set_state(
        ('MT19937', np_state['keys'].numpy().astype(np.uint32),
         np_state['pos'], np_state['has_gauss'], np_state['gauss']))
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
    modules = dict(model.named_modules()) if model is not None else {}
    for name, saved in state.get('modules', {}).items():
        if isinstance(modules.get(name), RandomStateful):
            modules[name].load_rng_state(saved)
