from .loading import (LoadSceneImage, UnreadableImageError, decode_image,
                      read_image)
from .saliency_crop import SaliencyCrop, box_scores
from .views import SaliencyMultiView

__all__ = [
    'SaliencyCrop', 'SaliencyMultiView', 'box_scores', 'LoadSceneImage',
    'UnreadableImageError', 'decode_image', 'read_image'
]
