from .hooks import (BadImageHook, CropStatsHook, ExactResumeHook, KNNHook,
                    SaliencyHook, SaliencyVisHook)

__all__ = [
    'SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook',
    'CropStatsHook', 'ExactResumeHook'
]
