from .backbone_io import (ENCODER_PREFIXES, backbone_state_dict,
                          encoder_state_dict, load_backbone, load_state)
from .knn import extract_features, global_features, knn_accuracy, knn_predict

__all__ = [
    'ENCODER_PREFIXES', 'backbone_state_dict', 'encoder_state_dict',
    'load_backbone', 'load_state', 'extract_features', 'global_features',
    'knn_accuracy', 'knn_predict'
]
