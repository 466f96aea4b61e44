"""Pictures of the saliency: heat-map overlays, sampled crops, grids."""
from .crop_samples import sample_crops
from .saliency_grid import (column_titles, crop_tile, grid_size, heatmap,
                            letterbox, make_grid, overlay, saliency_row)

__all__ = [
    'heatmap', 'overlay', 'letterbox', 'crop_tile', 'saliency_row',
    'make_grid', 'grid_size', 'column_titles', 'sample_crops'
]
