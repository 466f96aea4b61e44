from .algorithms import SalSSL
from .heads import SaliencyReweightedContrastiveHead

__all__ = ['SalSSL', 'SaliencyReweightedContrastiveHead']
