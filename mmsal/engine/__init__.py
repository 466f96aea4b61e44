from .hooks import BadImageHook, KNNHook, SaliencyHook, SaliencyVisHook

__all__ = ['SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook']
