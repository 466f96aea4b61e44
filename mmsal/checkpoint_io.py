"""Checkpoint files written atomically and read with named failures
(compat trap 6; installed by :func:`mmsal.compat.apply`)."""
import os
import pickle
import re

import torch

from .compat import ORIGINALS
from .errors import CheckpointError


def save_checkpoint_atomic(checkpoint, filename, *args, **kwargs):
    """mmengine writes a checkpoint's bytes in place, so a kill during the
    write leaves a truncated file. For local paths, write ``<file>.part``
    and rename it over the target (``os.replace`` is atomic on POSIX and
    Windows); other backends keep mmengine's own writer."""
    if '://' in str(filename):
        return ORIGINALS['save_checkpoint'](checkpoint, filename, *args,
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
        return ORIGINALS['load_from_local'](filename, map_location)
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
