from .saliency_head import (PairWeightedHead,
                            SaliencyReweightedContrastiveHead,
                            normalize_global_mean, pair_weights)

__all__ = [
    'PairWeightedHead', 'SaliencyReweightedContrastiveHead', 'pair_weights',
    'normalize_global_mean'
]
