from .bad_image_hook import BadImageHook
from .knn_hook import KNNHook
from .dataset_walk import find_transforms
from .saliency_hook import SaliencyHook
from .saliency_vis_hook import SaliencyVisHook

__all__ = ['SaliencyHook', 'KNNHook', 'BadImageHook', 'SaliencyVisHook',
           'find_transforms']
