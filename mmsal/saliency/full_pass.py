"""The full pass: every training image, whole, through the encoder.

:class:`FullPass` computes the maps of a list of images (one rank's share
of a refresh; :class:`~mmsal.engine.SaliencyHook` splits the images over
ranks, gathers and writes the store). Each image is loaded by the dataset's
own loader, resized to ``input_size`` x ``input_size`` (deterministic,
aspect ratio not kept), normalised by the model's data preprocessor and
passed through the chosen encoder in eval mode, without gradients, in the
precision :mod:`mmsal.precision` picks.
"""
import torch
from mmcv.transforms import Compose, LoadImageFromFile, Resize
from mmpretrain.datasets.transforms import PackInputs
from torch.utils.data import DataLoader, Dataset

from ..errors import OptionError
from ..precision import PRECISIONS, autocast
from ..progress import Progress
from .maps import ENCODERS
from .maps import SOURCES as MODEL_MAPS
from .maps import STATS, MapSource, compute_saliency, find_encoder


def _dataset_loader(pipeline):
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
            _dataset_loader(getattr(dataset, 'pipeline', None)),
            Resize(
                scale=(size, size),
                keep_ratio=False,
                backend='pillow',
                interpolation='bilinear'),
            PackInputs(),
        ])

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        out = self.pipeline(self.dataset.get_data_info(self.indices[i]))
        if out is None:
            blank = torch.zeros(3, self.size, self.size, dtype=torch.uint8)
            return dict(inputs=blank, readable=False)
        return dict(inputs=out['inputs'], readable=True)


def stack_full_images(items):
    """Collate :class:`FullImages` items."""
    return dict(
        inputs=torch.stack([it['inputs'] for it in items]),
        readable=torch.tensor([it['readable'] for it in items]))


class FullPass(MapSource):
    """Saliency maps of whole training images (``source='model'``).

    Args:
        input_size (int): Side of the square full images. Defaults to 224.
        model_map (str): ``'activation'`` or ``'similarity'``
            (:mod:`mmsal.saliency.maps`). Defaults to ``'activation'``.
        stat (str): Channel statistic for ``'activation'``. Defaults to
            ``'mean'``.
        encoder (str): ``'momentum'`` or ``'online'``. Defaults to
            ``'momentum'``.
        map_size (int): Side of the maps. Defaults to 7.
        batch_size (int): Images per forward pass. Defaults to 64.
        num_workers (int): Loader workers. Defaults to 2.
        precision (str): See :mod:`mmsal.precision`. Defaults to 'auto'.
        stage (int, optional): Residual stage to read instead of the last
            output. Defaults to None.
        raw (bool): Raw saliency instead of min-max normalised maps (the
            unit of the online update). Defaults to False.

    After a call, ``native_grid`` is the side of the feature map the maps
    were computed from (before resizing to ``map_size``).
    """
    static = False

    def __init__(self,
                 input_size=224,
                 model_map='activation',
                 stat='mean',
                 encoder='momentum',
                 map_size=7,
                 batch_size=64,
                 num_workers=2,
                 precision='auto',
                 stage=None,
                 raw=False):
        for ok, msg in [
            (precision
             in PRECISIONS, f'precision must be one of {PRECISIONS}'),
            (model_map
             in MODEL_MAPS, f'model_map must be one of {MODEL_MAPS}'),
            (encoder in ENCODERS, f'encoder must be one of {ENCODERS}'),
            (stat in STATS, f'stat must be one of {STATS}'),
            (int(input_size) >= 16, 'input_size must be >= 16'),
            (int(batch_size) >= 1, 'batch_size must be >= 1'),
            (int(num_workers) >= 0, 'num_workers must be >= 0'),
        ]:
            if not ok:
                raise OptionError(msg)
        self.input_size = int(input_size)
        self.model_map, self.stat, self.encoder = model_map, stat, encoder
        self.map_size = int(map_size)
        self.batch_size = int(batch_size)
        self.num_workers = int(num_workers)
        self.precision = precision
        self.stage = stage
        self.raw = bool(raw)
        self.native_grid = None

    def maps_fn(self, model):
        """``imgs -> (maps, valid)`` for normalised full images."""
        backbone, neck = find_encoder(model, self.encoder)

        def grid(side):
            self.native_grid = side

        return lambda imgs: compute_saliency(
            backbone,
            neck,
            imgs,
            source=self.model_map,
            stat=self.stat,
            map_size=self.map_size,
            stage=self.stage,
            raw=self.raw,
            on_grid=grid)

    @torch.no_grad()
    def __call__(self, model, dataset, indices):
        """Maps of ``dataset[indices]``.

        Returns:
            tuple: ``(maps, valid)``, ``(len(indices), S, S)`` float and
            ``(len(indices),)`` bool (False: unreadable image, or
            non-finite features).
        """
        loader = DataLoader(
            FullImages(dataset, indices, self.input_size),
            batch_size=self.batch_size,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=stack_full_images)
        maps_fn = self.maps_fn(model)
        device = next(model.parameters()).device.type
        maps = torch.zeros(len(indices), self.map_size, self.map_size)
        valid = torch.zeros(len(indices), dtype=torch.bool)
        bar = Progress(
            len(indices), enabled=len(indices) >= 1000, label='saliency pass')
        was_training = model.training
        model.eval()
        done = 0
        try:
            for batch in loader:
                data = model.data_preprocessor(
                    dict(inputs=[batch['inputs']], data_samples=None), False)
                with autocast(self.precision, device):
                    m, ok = maps_fn(data['inputs'][0])
                maps[done:done + len(m)] = m.float().cpu()
                valid[done:done + len(m)] = ok.cpu() & batch['readable']
                done += len(m)
                bar.update(len(m))
        finally:
            model.train(was_training)
        return maps, valid
