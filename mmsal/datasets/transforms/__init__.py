from .saliency_crop import SaliencyCrop, box_scores
from .views import SaliencyMultiView

__all__ = ['SaliencyCrop', 'SaliencyMultiView', 'box_scores']
