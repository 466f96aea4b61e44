from .saliency_head import (SaliencyReweightedContrastiveHead,
                            normalize_global_mean, pair_weights)

__all__ = [
    'SaliencyReweightedContrastiveHead', 'pair_weights',
    'normalize_global_mean'
]
