"""The deterministic full-image loader of a saliency refresh."""
import torch
from mmcv.transforms import Compose, LoadImageFromFile, Resize
from mmpretrain.datasets.transforms import PackInputs
from torch.utils.data import DataLoader, Dataset


def _find_loader(pipeline):
    """The dataset's own LoadImageFromFile (to keep its backend_args)."""
    for t in getattr(pipeline, 'transforms', []):
        if isinstance(t, LoadImageFromFile):
            return t
    return LoadImageFromFile()


class FullImages(Dataset):
    """Whole training images resized to ``size`` x ``size`` (uint8 CHW),
    in the order of ``indices``, with ``readable`` False (and a blank image)
    where the loader skipped an unreadable file
    (``LoadSceneImage(bad_image='skip')``)."""

    def __init__(self, dataset, indices, size):
        self.dataset = dataset
        self.indices = list(indices)
        self.size = size
        self.pipeline = Compose([
            _find_loader(getattr(dataset, 'pipeline', None)),
            Resize(scale=(size, size), keep_ratio=False, backend='pillow',
                   interpolation='bilinear'),
            PackInputs(),
        ])

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        info = self.dataset.get_data_info(self.indices[i])
        out = self.pipeline(info)
        if out is None:
            blank = torch.zeros(3, self.size, self.size, dtype=torch.uint8)
            return dict(inputs=blank, readable=False)
        return dict(inputs=out['inputs'], readable=True)


def _stack(items):
    return dict(inputs=torch.stack([it['inputs'] for it in items]),
                readable=torch.tensor([it['readable'] for it in items]))


def full_image_loader(dataset, indices, size, batch_size, num_workers):
    """A non-shuffling loader over :class:`FullImages`."""
    return DataLoader(
        FullImages(dataset, indices, size),
        batch_size=batch_size,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=_stack)
