from .bad_image_hook import BadImageHook
from .crop_stats_hook import CropStatsHook
from .exact_resume_hook import ExactResumeHook
from .knn_hook import KNNHook
from .saliency_hook import SaliencyHook
from .saliency_vis_hook import SaliencyVisHook

__all__ = [
    'SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook',
    'CropStatsHook', 'ExactResumeHook'
]
