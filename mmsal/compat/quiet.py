"""Two warnings that say nothing actionable: mmcv-lite has no ``mmcv.ops``
(not needed for pretraining), and mmcv's ``adjust_color`` warns on every
pillow-backend ColorJitter call."""
import warnings

ORIGINAL = {}


def is_broken():
    return True


def fix():
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    warnings.filterwarnings(
        'ignore', message="Only use 'alpha' for pillow backend")
