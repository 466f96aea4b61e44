"""External saliency maps, read from a folder or an ``.npz`` file.

Users bring maps made elsewhere (DeepUSPS, BING, SAM, ...), one 2-D map per
image covering the whole image, keyed by the image's id:

- a folder with ``<key>.npy`` (any 2-D float array) or ``<key>.png`` (an
  8-bit grey image) per image;
- an ``.npz`` file whose array names are the keys.

The key is the image's ``img_id`` (COCO's image id); where no entry has
that name, the image file's name without extension
(``000000000139`` for ``000000000139.jpg``). Maps of any size are resized
to the store's ``map_size`` (area pooling when shrinking, bilinear when
growing) and min-max normalised. A missing, non-2-D, empty or non-finite
entry stops the run with one line naming the image and the file.
"""
from __future__ import annotations
import os.path as osp
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..errors import DataError
from .maps import MapSource, normalize_maps, resize_maps

if TYPE_CHECKING:
    from mmengine.dataset import BaseDataset


class FileMaps(MapSource):
    """Saliency maps from ``path`` (a folder or an ``.npz`` file).

    Args:
        path (str): The folder or ``.npz`` file.
        map_size (int): Side of the maps returned.
    """

    def __init__(self, path: str, map_size: int) -> None:
        if not osp.exists(path):
            raise DataError(f'file saliency maps: {path} not found')
        if not osp.isdir(path) and not path.endswith('.npz'):
            raise DataError(f'file saliency maps: {path} is neither a folder '
                            'nor an .npz file')
        self.path, self.map_size = path, int(map_size)
        self._npz = np.load(path) if path.endswith('.npz') else None

    def _keys(self, info: Mapping[str, Any]) -> List[str]:
        keys = [str(info.get('img_id'))] if 'img_id' in info else []
        if info.get('img_path'):
            keys.append(osp.splitext(osp.basename(info['img_path']))[0])
        return keys

    def _read(self, key: str) -> Optional[np.ndarray]:
        if self._npz is not None:
            return self._npz[key] if key in self._npz.files else None
        for ext in ('.npy', '.png'):
            file = osp.join(self.path, key + ext)
            if osp.exists(file):
                if ext == '.npy':
                    return np.load(file, allow_pickle=False)
                from PIL import Image
                return np.asarray(Image.open(file).convert('L'), np.float32)
        return None

    def entry(self, info: Mapping[str, Any]) -> np.ndarray:
        """The map of the image ``info`` describes, as a 2-D float array."""
        keys = self._keys(info)
        for key in keys:
            value = self._read(key)
            if value is not None:
                break
        else:
            name = keys[0] if keys else '?'
            raise DataError(
                f'file saliency maps: no map for image {name}'
                f' ({info.get("img_path")}) in {self.path} (looked for '
                f'{" / ".join(keys)} as .npy, .png or .npz keys)')
        where = f'{self.path}:{key}'
        value = np.asarray(value)
        if value.ndim != 2 or value.size == 0:
            raise DataError(
                f'file saliency maps: the map of image {key} ({where}) has '
                f'shape {value.shape}; expected a 2-D map (H, W)')
        if not np.issubdtype(value.dtype, np.number) or \
                not np.isfinite(value).all():
            raise DataError(f'file saliency maps: the map of image {key} '
                            f'({where}) holds NaN, inf or non-numbers')
        return value.astype(np.float32)

    def __call__(self, model: Optional[nn.Module], dataset: BaseDataset,
                 indices: Sequence[int]) -> Tuple[torch.Tensor, torch.Tensor]:
        maps = torch.zeros(len(indices), self.map_size, self.map_size)
        grids = []
        for row, i in enumerate(indices):
            value = torch.from_numpy(self.entry(dataset.get_data_info(i)))
            grids.append(min(value.shape))
            maps[row] = resize_maps(value[None], self.map_size)[0]
        self.native_grid = min(grids) if grids else None
        maps, _ = normalize_maps(maps)
        return maps, torch.ones(len(indices), dtype=torch.bool)
