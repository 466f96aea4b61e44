from .hooks import KNNHook, SaliencyHook

__all__ = ['SaliencyHook', 'KNNHook']
