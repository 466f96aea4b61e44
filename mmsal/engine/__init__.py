from .hooks import (BadImageHook, CropStatsHook, KNNHook, SaliencyHook,
                    SaliencyVisHook)

__all__ = [
    'SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook',
    'CropStatsHook'
]
