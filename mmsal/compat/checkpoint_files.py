"""Checkpoint files written atomically and read with named failures.

mmengine (every release up to 0.10.7) serialises a checkpoint in memory and
writes the bytes of ``epoch_N.pth`` in place: a kill during the write leaves
a truncated file under the final name. Its local loader passes torch's
errors through: a truncated file, or one that safe loading refuses (a
crafted pickle), fails deep in torch with advice to turn safe loading off.
Local checkpoints are written to ``<file>.part`` and renamed over the
target; failed loads become one-line
:class:`~mmsal.errors.CheckpointError` naming the file.
"""
import inspect
import os
import pickle
import re

import torch

from ..errors import CheckpointError

ORIGINAL = {}


def save_checkpoint_atomic(checkpoint, filename, *args, **kwargs):
    """Write ``<filename>.part``, fsync, and rename it over ``filename``
    (``os.replace`` is atomic on POSIX and Windows); other backends (a
    ``://`` in the name) keep mmengine's own writer."""
    if '://' in str(filename):
        return ORIGINAL['save_checkpoint'](checkpoint, filename, *args,
                                           **kwargs)
    part = f'{filename}.part'
    with open(part, 'wb') as f:
        torch.save(checkpoint, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, filename)


def load_from_local(filename, map_location=None):
    """mmengine's local loader (torch's safe loading), with its failures
    named: a refused pickle or an unreadable file is a CheckpointError."""
    try:
        return ORIGINAL['load_from_local'](filename, map_location)
    except pickle.UnpicklingError as e:
        found = re.search(r'GLOBAL ([\w.]+)', str(e))
        what = found.group(1) if found else 'an object'
        raise CheckpointError(
            f'refused to load {filename}: it asks for {what}, which is not '
            'on the safe allow-list (unpickling it could run code); mmsal '
            'loads checkpoints with weights-only loading only') from e
    except FileNotFoundError:
        raise
    except (RuntimeError, EOFError, OSError) as e:
        raise CheckpointError(
            f'cannot read checkpoint {filename}: truncated or not a torch '
            f'checkpoint ({" ".join(str(e).split())[:200]})') from e


def is_broken():
    """Whether mmengine's checkpoint writer writes in place (no rename)."""
    from mmengine.fileio.backends import LocalBackend
    source = inspect.getsource(LocalBackend.put)
    return 'os.replace' not in source and 'rename' not in source


def fix():
    import mmengine.runner.runner as runner_module
    from mmengine.runner.checkpoint import CheckpointLoader
    ORIGINAL['save_checkpoint'] = runner_module.save_checkpoint
    runner_module.save_checkpoint = save_checkpoint_atomic
    ORIGINAL['load_from_local'] = CheckpointLoader._schemes['']
    CheckpointLoader.register_scheme('', load_from_local, force=True)
