"""Safe checkpoint loading (torch >= 2.6) and mmengine checkpoints.

``torch.load`` defaults to ``weights_only=True``, which refuses mmengine's
``HistoryBuffer`` and the numpy arrays and scalars in every checkpoint's
``message_hub`` (``--resume``, ``load_from``, ``Pretrained`` init). Those few
classes, and in place of ``getattr`` a function that only returns
``HistoryBuffer``'s statistics methods, are added to torch's allow-list;
safe loading itself stays on.
"""
import io
import pickle

import numpy as np
import torch

ORIGINAL = {}


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
        HistoryBuffer,
        ConfigDict,
        np.ndarray,
        np.dtype,
        np_core.multiarray._reconstruct,
        np_core.multiarray.scalar,
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


def is_broken():
    """Whether ``torch.load``'s default refuses a message hub's buffer."""
    if getattr(torch.serialization, 'add_safe_globals', None) is None:
        return False  # torch < 2.4: no weights-only default
    from mmengine.logging import HistoryBuffer
    buf = io.BytesIO()
    hub = HistoryBuffer()
    hub.update(np.float64(1.0))
    torch.save(dict(hub=hub), buf)
    buf.seek(0)
    try:
        torch.load(buf)
    except pickle.UnpicklingError:
        return True
    return False


def fix():
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
