"""mmsal: saliency-guided contrastive pretraining on scene images.

``import mmsal`` applies the ecosystem fixes in :mod:`mmsal.compat` and
registers every mmsal component into mmpretrain's registries, so configs use
them with ``default_scope='mmpretrain'`` or ``custom_imports=['mmsal']``.
"""
from . import compat

compat.apply()

from . import datasets  # noqa: E402,F401  (registers datasets)
from .version import __version__  # noqa: E402

__all__ = ['compat', 'datasets', '__version__']
