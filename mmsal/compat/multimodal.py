"""transformers >= 5 next to mmpretrain 1.2.

mmpretrain imports its BLIP models whenever transformers >= 4.28 is
installed; their base classes are gone from transformers 5, so ``import
mmpretrain.models`` fails. The fix turns mmpretrain's own multimodal switch
off (those models become its "please install" placeholders; mmsal uses
none of them). It must run before ``mmpretrain.models`` is imported.
"""
import importlib.metadata
import sys

ORIGINAL = {}


def transformers_major():
    """Major version of the installed transformers, or None."""
    try:
        version = importlib.metadata.version('transformers')
    except importlib.metadata.PackageNotFoundError:
        return None
    return int(version.split('.')[0])


def is_broken():
    major = transformers_major()
    return (major is not None and major >= 5
            and 'mmpretrain.models' not in sys.modules)


def fix():
    from mmpretrain.utils import dependency
    ORIGINAL['WITH_MULTIMODAL'] = dependency.WITH_MULTIMODAL
    dependency.WITH_MULTIMODAL = False
