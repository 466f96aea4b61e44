from .saliency_hook import SaliencyHook, find_transforms

__all__ = ['SaliencyHook', 'find_transforms']
