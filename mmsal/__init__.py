"""mmsal: saliency-guided contrastive pretraining on scene images.

``import mmsal`` applies the ecosystem fixes in :mod:`mmsal.compat` and
registers every mmsal component into mmpretrain's registries, so configs use
them with ``default_scope='mmpretrain'`` or ``custom_imports=['mmsal']``.
"""
try:
    import mmcv  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the install
    raise ImportError(
        'mmsal needs mmcv: pip install "mmsal[lite]" (mmcv-lite) or install '
        'full mmcv (README, "Install")') from e

from . import compat  # noqa: E402  (before mmpretrain.models)

compat.apply()

# Importing these registers every component into mmpretrain's registries.
# isort: off
from . import datasets, engine, evaluation  # noqa: E402,F401
from . import models, saliency, transfer  # noqa: E402,F401
# isort: on
from .version import __version__  # noqa: E402

__all__ = [
    'compat', 'datasets', 'engine', 'evaluation', 'models', 'saliency',
    'transfer', '__version__'
]
