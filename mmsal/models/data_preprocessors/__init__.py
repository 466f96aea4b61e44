from .augment_on_device import batch_op, move_view_augment, split_view_pipeline
from .batch_augment import (BatchColorJitter, BatchFlip, BatchGaussianBlur,
                            BatchGrayscale, BatchSolarize)
from .view_augment_preprocessor import ViewAugmentPreprocessor

__all__ = [
    'BatchColorJitter', 'BatchFlip', 'BatchGaussianBlur', 'BatchGrayscale',
    'BatchSolarize', 'ViewAugmentPreprocessor', 'batch_op',
    'move_view_augment', 'split_view_pipeline'
]
