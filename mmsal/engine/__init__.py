from .hooks import (BadImageHook, CropStatsHook, ExactResumeHook, KNNHook,
                    SaliencyHook, SaliencyVisHook)
from .runner import QuietConsoleRunner

__all__ = [
    'SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook',
    'CropStatsHook', 'ExactResumeHook', 'QuietConsoleRunner'
]
