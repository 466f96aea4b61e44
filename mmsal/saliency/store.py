"""The saliency store: the hand-off between the model and the data pipeline.

One small float16 map per training image (``map_size`` x ``map_size``) and a
per-image ``valid`` flag, held in shared memory. :class:`SaliencyHook` creates
it before the dataloader workers start, writes it after each refresh (the
same contents on every rank), and saves it in checkpoints; every
``SaliencyCrop`` in the training pipeline reads it by ``sample_idx``. Because
the tensors live in shared memory and are updated in place, persistent
workers forked before a refresh read the new maps without any copy.

Size: ``num_images * map_size**2 * 2`` bytes plus one byte per image; COCO+
(241,690 images) at the default 7 x 7 is 23.9 MB.
"""
from __future__ import annotations
import zlib
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, Union

import numpy as np
import torch

from ..errors import StoreError

if TYPE_CHECKING:
    from mmengine.dataset import BaseDataset


class SaliencyStore:
    """Per-image saliency maps in shared memory.

    Args:
        num_images (int): Length of the training dataset.
        map_size (int): Side of each map. Defaults to 7.
    """

    def __init__(self, num_images: int, map_size: int = 7) -> None:
        if num_images <= 0 or map_size <= 0:
            raise StoreError(f'SaliencyStore: num_images ({num_images}) and '
                             f'map_size ({map_size}) must be positive')
        self.maps = torch.ones(
            num_images, map_size, map_size,
            dtype=torch.float16).share_memory_()
        self.valid = torch.zeros(num_images, dtype=torch.bool).share_memory_()
        # How many refreshes have been written; workers can log it.
        self.version = torch.zeros(1, dtype=torch.int64).share_memory_()
        # CRC32 of the image list the maps belong to (set by SaliencyHook,
        # see image_list_fingerprint); None when unknown.
        self.fingerprint: Optional[int] = None
        self._views()

    def _views(self) -> None:
        # numpy views of the same shared memory: cheap reads in workers
        self._maps_np = self.maps.numpy()
        self._valid_np = self.valid.numpy()

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        del state['_maps_np'], state['_valid_np']
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._views()

    def __len__(self) -> int:
        return self.maps.shape[0]

    @property
    def map_size(self) -> int:
        return self.maps.shape[-1]

    @property
    def nbytes(self) -> int:
        return (self.maps.numel() * self.maps.element_size() +
                self.valid.numel() + 8)

    def get(self, index: int) -> Optional[np.ndarray]:
        """The map of image ``index`` as a float32 array, or None while it
        has no valid map (warm-up, or its last refresh was not finite)."""
        if not self._valid_np[index]:
            return None
        return self._maps_np[index].astype(np.float32)

    def write(
            self,
            maps: torch.Tensor,
            valid: Optional[torch.Tensor] = None,
            indices: Optional[Union[torch.Tensor,
                                    Sequence[int]]] = None) -> int:
        """Write maps in place (visible to forked workers at once).

        Args:
            maps (Tensor): ``(n, map_size, map_size)`` maps in [0, 1].
            valid (Tensor, optional): ``(n,)`` bool; rows that are False,
                or hold NaN / inf, are not written. Defaults to all True.
            indices (Tensor, optional): Image indices of the rows. Defaults
                to ``0..n-1``. Where an index appears more than once, its
                last valid row is written (deterministic, whatever the
                number of threads).

        Returns:
            int: Number of maps written.
        """
        maps = maps.float()
        finite = torch.isfinite(maps.flatten(1)).all(1)
        ok = finite if valid is None else (finite & valid.bool())
        if indices is None:
            indices = torch.arange(maps.shape[0])
        indices = torch.as_tensor(indices, dtype=torch.long)
        rows, maps = indices[ok], maps[ok]
        if len(rows) and len(torch.unique(rows)) < len(rows):
            # last occurrence of each index: first one in the reversed list
            _, first = np.unique(rows.numpy()[::-1], return_index=True)
            keep = torch.as_tensor(len(rows) - 1 - first)
            rows, maps = rows[keep], maps[keep]
        self.maps[rows] = maps.clamp(0, 1).to(torch.float16)
        self.valid[rows] = True
        self.version += 1
        return int(ok.sum())

    def checksum(self) -> int:
        """CRC32 of the maps and flags: equal stores, equal checksums."""
        crc = zlib.crc32(self._maps_np.tobytes())
        return zlib.crc32(self._valid_np.tobytes(), crc)

    def state_dict(self) -> Dict[str, torch.Tensor]:
        state = dict(
            maps=self.maps.clone(),
            valid=self.valid.clone(),
            version=self.version.clone(),
            checksum=torch.tensor([self.checksum()]))
        if self.fingerprint is not None:
            state['fingerprint'] = torch.tensor([self.fingerprint])
        return state

    def load_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        """Restore a saved store; it must match this store's shape."""
        maps = state['maps']
        if tuple(maps.shape) != tuple(self.maps.shape):
            raise StoreError(
                f'saliency store in the checkpoint holds {maps.shape[0]} '
                f'maps of {maps.shape[-1]}x{maps.shape[-1]}, but the dataset '
                f'has {len(self)} images and map_size is {self.map_size}; '
                'resume with the same dataset and SaliencyHook settings, or '
                'with --cfg-options SaliencyHook.resume_store=False to '
                'rebuild it')
        saved_print = state.get('fingerprint')
        if (saved_print is not None and self.fingerprint is not None
                and int(saved_print) != self.fingerprint):
            raise StoreError(
                'saliency store in the checkpoint was made for another image '
                f'list (fingerprint {int(saved_print):08x}, this dataset '
                f'{self.fingerprint:08x}: same length, other images or '
                'order); resume with the same dataset, or with '
                '--cfg-options SaliencyHook.resume_store=False to rebuild '
                'it')
        if not torch.isfinite(maps.float()).all():
            raise StoreError('saliency store in the checkpoint holds NaN or '
                             'inf; resume with --cfg-options SaliencyHook.'
                             'resume_store=False to rebuild it')
        before = self.state_dict()
        self.maps.copy_(maps)
        self.valid.copy_(state['valid'])
        saved = state.get('checksum')
        if saved is not None and int(saved) != self.checksum():
            self.maps.copy_(before['maps'])
            self.valid.copy_(before['valid'])
            raise StoreError(
                'saliency store in the checkpoint is corrupted (checksum '
                f'{self.checksum():08x}, saved as {int(saved):08x}); resume '
                'with --cfg-options SaliencyHook.resume_store=False to '
                'rebuild it at the next refresh')
        self.version.copy_(state.get('version', self.version))


def image_list_fingerprint(dataset: BaseDataset) -> int:
    """CRC32 of a dataset's image list, in order: each image's ``img_path``
    (else its ``img_id``, else its position). Two datasets of the same
    length with other images, or the same images in another order, differ.
    """
    crc = 0
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        key = info.get('img_path', info.get('img_id', i))
        crc = zlib.crc32(f'{key}\n'.encode(), crc)
    return crc
