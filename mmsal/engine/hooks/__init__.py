from .knn_hook import KNNHook
from .saliency_hook import SaliencyHook, find_transforms

__all__ = ['SaliencyHook', 'KNNHook', 'find_transforms']
