"""Random streams per sample, so that a resumed run is the run it continues.

Data workers draw their augmentations from their own random streams. mmengine
seeds each worker once, from the run's seed and the worker's number; a
persistent worker then carries its streams on from epoch to epoch, and a
run resumed from a checkpoint starts them afresh: from the resume on, every
crop, colour jitter and flip differs from the uninterrupted run's.

:class:`SampleSeeds` removes the dependence: while it is on, each sample's
transforms run with Python's, numpy's and torch's global generators seeded
from ``(seed, epoch, index)`` alone (restored afterwards), so a sample's
augmentation depends on neither the worker that draws it, the number of
workers nor what was drawn before. The seed and epoch live in shared memory:
:class:`~mmsal.engine.ExactResumeHook` sets them in the main process before
the workers fork, and before each epoch, and persistent workers see them.
"""
from __future__ import annotations
import random
from contextlib import contextmanager
from typing import Iterator, List

import numpy as np
import torch

#: Bumped at every seeded sample: caches of random draws
#: (``SaliencyCrop``'s boxes drawn ahead) are valid within one sample only.
SEEDINGS = [0]


class SampleSeeds:
    """The shared ``(enabled, seed, epoch)`` of a dataset's samples."""

    def __init__(self) -> None:
        self.state = torch.zeros(3, dtype=torch.int64).share_memory_()

    def enable(self, seed: int) -> None:
        self.state[0], self.state[1] = 1, int(seed)

    def set_epoch(self, epoch: int) -> None:
        self.state[2] = int(epoch)

    @property
    def enabled(self) -> bool:
        return bool(self.state[0])

    def seeds(self, index: int) -> List[int]:
        """Python, numpy and torch seeds of sample ``index`` this epoch."""
        seq = np.random.SeedSequence(
            [int(self.state[1]),
             int(self.state[2]),
             int(index)])
        return [int(s) for s in seq.generate_state(3)]

    @contextmanager
    def seeded(self, index: int) -> Iterator[None]:
        """Run the block with the generators seeded for sample ``index``
        (a no-op while not enabled)."""
        if not self.enabled:
            yield
            return
        saved = (random.getstate(), np.random.get_state(),
                 torch.get_rng_state())
        py_seed, np_seed, torch_seed = self.seeds(index)
        random.seed(py_seed)
        np.random.seed(np_seed)
        torch.default_generator.manual_seed(torch_seed)  # CPU only
        SEEDINGS[0] += 1
        try:
            yield
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])
