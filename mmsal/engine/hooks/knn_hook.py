"""KNNHook: an accuracy signal during self-supervised pretraining.

Every ``interval`` epochs, the backbone's frozen features of a labelled
train / val split are classified by cosine kNN; ``knn/top1`` and
``knn/top5`` go to the logger and to every visualizer backend (local files,
TensorBoard, W&B, as configured).
"""
from __future__ import annotations
import time
from typing import Any, Dict, Optional, Union

from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model
from torch.utils.data import DataLoader

from ...errors import OptionError
from ...evaluation.knn import extract_features, knn_accuracy
from ...progress import Progress


@HOOKS.register_module()
class KNNHook(Hook):
    """Cosine kNN accuracy of the backbone on a labelled split.

    Args:
        train_dataloader (dict): Loader config of the labelled "memory"
            split (e.g. ``DemoObjects`` train, or an ImageNet subset).
        val_dataloader (dict): Loader config of the evaluated split.
        interval (int): Epochs between evaluations. Defaults to 1.
        k (int): Neighbours. Defaults to 20.
        temperature (float): Vote temperature. Defaults to 0.07.
        encoder (str): ``'online'`` (``model.backbone``) or ``'momentum'``
            (the key encoder's backbone). Defaults to ``'online'``.
    """

    priority = 'LOW'

    def __init__(self,
                 train_dataloader: Union[dict, DataLoader],
                 val_dataloader: Union[dict, DataLoader],
                 interval: int = 1,
                 k: int = 20,
                 temperature: float = 0.07,
                 encoder: str = 'online') -> None:
        if int(interval) < 1 or int(k) < 1 or not temperature > 0:
            raise OptionError(f'KNNHook: interval and k must be >= 1 and '
                              f'temperature > 0; got interval={interval}, '
                              f'k={k}, temperature={temperature}')
        if encoder not in ('online', 'momentum'):
            raise OptionError("KNNHook: encoder must be 'online' or "
                              f"'momentum', got {encoder!r}")
        self.loader_cfgs = dict(train=train_dataloader, val=val_dataloader)
        # built by mmengine (untyped) at the first evaluation
        self.loaders: Optional[Dict[str, Any]] = None
        self.interval = int(interval)
        self.k, self.temperature = int(k), float(temperature)
        self.encoder = encoder

    def _backbone(self, model):
        if self.encoder == 'online':
            return model.backbone
        from ...saliency.maps import find_encoder
        return find_encoder(model, 'momentum')[0]

    def evaluate(self, runner: Runner) -> Optional[Dict[str, float]]:
        """kNN top-1 / top-5 (%) of the current model; None on ranks > 0."""
        if self.loaders is None:
            self.loaders = {
                split: Runner.build_dataloader(cfg, seed=runner.seed)
                for split, cfg in self.loader_cfgs.items()
            }
        model = get_ori_model(runner.model)
        backbone = self._backbone(model)
        feats = {
            split:
            extract_features(
                backbone, model.data_preprocessor, loader,
                Progress(
                    len(loader.dataset), enabled=len(loader.dataset) >= 5000))
            for split, loader in self.loaders.items()
        }
        if feats['train'] is None:
            return None
        (train_x, train_y), (val_x, val_y) = feats['train'], feats['val']
        return knn_accuracy(
            train_x,
            train_y,
            val_x,
            val_y,
            k=self.k,
            temperature=self.temperature)

    def after_train_epoch(self, runner: Runner) -> None:
        if not (self.every_n_epochs(runner, self.interval)
                or self.is_last_train_epoch(runner)):
            return
        start = time.time()
        acc = self.evaluate(runner)
        if acc is None:
            return
        scalars = {f'knn/{name}': value for name, value in acc.items()}
        runner.visualizer.add_scalars(scalars, step=runner.epoch + 1)
        runner.message_hub.update_scalars(scalars)
        runner.logger.info(f'KNNHook: epoch {runner.epoch + 1}: ' +
                           ', '.join(f'{k} {v:.2f}'
                                     for k, v in scalars.items()) +
                           f' (k={self.k}, {time.time() - start:.1f} s)')
