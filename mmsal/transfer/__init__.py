"""Taking pretrained backbones to detection and segmentation: the strict
weight loader the transfer configs use (``configs/benchmarks/det_*``,
``seg_*``), the checks of a config's pretrained parts (``pretrained``,
``preflight``) and the conversion to detectron2's format."""
from .detectron2 import detectron2_name, to_detectron2
from .strict_pretrained import StrictPretrained

__all__ = ['StrictPretrained', 'detectron2_name', 'to_detectron2']
