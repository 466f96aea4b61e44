"""numpy >= 2.4 and mmpretrain's retrieval metrics.

numpy 2.4 removed ``np.in1d`` (deprecated since 2.0 for ``np.isin``).
mmpretrain 1.2's ``RetrievalRecall`` and ``RetrievalAveragePrecision``
(``mmpretrain/evaluation/metrics/retrieval.py``) call it, so both fail with
``AttributeError: module 'numpy' has no attribute 'in1d'``, with or without
mmsal. The fix gives that one module a numpy with ``in1d`` (``np.isin`` of
the flattened first argument, what ``in1d`` returned); numpy itself is not
changed.
"""
import types

import numpy

ORIGINAL = {}


def in1d(ar1, ar2, assume_unique=False, invert=False, **kwargs):
    """``np.in1d``: is each element of the flattened ``ar1`` in ``ar2``."""
    return numpy.isin(
        numpy.asarray(ar1).ravel(),
        ar2,
        assume_unique=assume_unique,
        invert=invert,
        **kwargs)


class NumpyWithIn1d(types.ModuleType):
    """numpy, plus ``in1d``."""

    in1d = staticmethod(in1d)

    def __getattr__(self, name):
        return getattr(numpy, name)


def is_broken():
    return not hasattr(numpy, 'in1d')


def fix():
    from mmpretrain.evaluation.metrics import retrieval
    ORIGINAL['np'] = retrieval.np
    retrieval.np = NumpyWithIn1d('numpy')
