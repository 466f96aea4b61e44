"""mmsal's errors. Each message is one line naming the file, option or key,
and the command-line tools print it without a traceback."""
import os.path as osp


class MmsalError(ValueError):
    """Base of the errors below."""


class DataError(MmsalError):
    """Bad dataset input: a missing path, a file that is not what it should
    be."""


class OptionError(MmsalError):
    """A component option that cannot work (unknown value, out of range,
    inconsistent with the rest of the config)."""


class StoreError(MmsalError):
    """A saliency store that cannot be used as asked (size mismatch, NaN
    maps); the message says how to rebuild it."""


class UsageError(MmsalError):
    """A command-line argument that cannot work (missing file, an output
    that would overwrite something)."""


class CheckpointError(MmsalError):
    """A checkpoint that cannot be loaded: truncated, not a checkpoint, or
    holding objects that safe loading refuses."""


def require_file(path: str, what: str = 'checkpoint') -> None:
    """Stop with '<what> not found: <path>' unless ``path`` is a file."""
    if not osp.isfile(path):
        raise UsageError(f'{what} not found: {path}')
