from ..errors import DataError
from .coco_scenes import CocoScenes, DemoScenes
from .demo_data import ensure_demo_data, make_demo_data
from .demo_objects import DemoObjects
from .demo_scenes import CLASSES as DEMO_CLASSES
from .labeled_images import LabeledImageNet, LabeledImages
from .transforms import (LoadSceneImage, SaliencyCrop, SaliencyMultiView,
                         UnreadableImageError, box_scores, decode_image,
                         read_image)

__all__ = [
    'CocoScenes', 'DemoScenes', 'DemoObjects', 'DataError', 'make_demo_data',
    'ensure_demo_data', 'DEMO_CLASSES', 'SaliencyCrop', 'SaliencyMultiView',
    'box_scores', 'LoadSceneImage', 'UnreadableImageError', 'decode_image',
    'read_image', 'LabeledImages', 'LabeledImageNet'
]
