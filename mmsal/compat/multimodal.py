"""transformers >= 5 next to mmpretrain 1.2.

mmpretrain imports its BLIP models whenever pycocotools and transformers
>= 4.28 are installed; their base classes are gone from transformers 5, so
``import mmpretrain.models`` fails. The fix turns mmpretrain's own
multimodal switch off (those models become its "please install"
placeholders; mmsal uses none of them). It must run before
``mmpretrain.models`` is imported.
"""
import importlib.metadata
import sys

ORIGINAL = {}


def major_version(package):
    """Major version of an installed package, or None."""
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
    return int(version.split('.')[0])


def is_broken():
    major = major_version('transformers')
    return (major is not None and major >= 5
            and major_version('pycocotools') is not None
            and 'mmpretrain.models' not in sys.modules)


def fix():
    from mmpretrain.utils import dependency
    ORIGINAL['WITH_MULTIMODAL'] = dependency.WITH_MULTIMODAL
    dependency.WITH_MULTIMODAL = False
