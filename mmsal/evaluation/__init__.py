from .backbone_io import backbone_state_dict, load_backbone
from .knn import extract_features, global_features, knn_accuracy, knn_predict

__all__ = [
    'backbone_state_dict', 'load_backbone', 'extract_features',
    'global_features', 'knn_accuracy', 'knn_predict'
]
