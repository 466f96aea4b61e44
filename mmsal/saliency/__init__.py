from .maps import (as_feature_map, compute_saliency, find_encoder,
                   normalize_maps)
from ..errors import StoreError
from .store import SaliencyStore, get_store, register_store

__all__ = [
    'compute_saliency', 'normalize_maps', 'as_feature_map', 'find_encoder',
    'SaliencyStore', 'StoreError', 'register_store', 'get_store'
]
