from ..errors import StoreError
from .full_pass import FullPass
from .maps import (as_feature_map, compute_saliency, find_encoder,
                   normalize_maps)
from .online import OnlineSaliency, crop_to_cells, measure_key_crops
from .store import SaliencyStore, image_list_fingerprint

__all__ = [
    'compute_saliency', 'normalize_maps', 'as_feature_map', 'find_encoder',
    'FullPass', 'OnlineSaliency', 'crop_to_cells', 'measure_key_crops',
    'SaliencyStore', 'StoreError', 'image_list_fingerprint'
]
