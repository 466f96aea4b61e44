from .algorithms import SalSSL
from .data_preprocessors import ViewAugmentPreprocessor
from .heads import SaliencyReweightedContrastiveHead

__all__ = [
    'SalSSL', 'SaliencyReweightedContrastiveHead', 'ViewAugmentPreprocessor'
]
