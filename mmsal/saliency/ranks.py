"""Saliency work split over the ranks of a distributed run, and gathered.

Every rank must hold the same store. A full pass is split into one slice of
images per rank (:func:`maps_of_all_images`); an online step's measurements
are gathered from all ranks (:func:`gather_measurements`) and applied by
every rank in rank order; :func:`check_ranks_agree` compares the stores'
checksums afterwards. Without a distributed run each is a plain call.
"""
from __future__ import annotations
from typing import Any, Dict, Tuple

import torch
from mmengine.dist import all_gather, all_gather_object, get_dist_info
from mmengine.logging import print_log

from ..errors import StoreError
from .maps import MapSource
from .store import SaliencyStore


def gather_measurements(
        measured: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Every rank's ``measured`` (dict of tensors), concatenated in rank
    order: the same on every rank."""
    parts = all_gather_object(measured)
    return {k: torch.cat([p[k] for p in parts]) for k in measured}


def maps_of_all_images(source: MapSource, model: Any, dataset: Any,
                       map_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """``source``'s maps of every image of ``dataset``, each rank computing
    its own slice; ``(maps, valid)`` of all images on every rank, after the
    source's ``finish`` (the shuffled placebo permutes the whole set)."""
    rank, world = get_dist_info()
    n = len(dataset)
    per_rank = -(-n // world)
    indices = list(range(rank * per_rank, min(n, (rank + 1) * per_rank)))
    mine, ok = source(model, dataset, indices)
    # padded to the same length on every rank for all_gather
    maps = torch.zeros(per_rank, map_size, map_size)
    valid = torch.zeros(per_rank, dtype=torch.bool)
    maps[:len(mine)], valid[:len(ok)] = mine, ok
    maps = torch.cat(all_gather(maps))[:n]
    valid = torch.cat(all_gather(valid))[:n]
    return source.finish(maps, valid)


def check_ranks_agree(store: SaliencyStore) -> Tuple[int, int]:
    """``(checksum, ranks)`` when every rank holds the same store (and a log
    line that says so); a ``StoreError`` naming the checksums otherwise."""
    mine = torch.tensor([store.checksum()], dtype=torch.int64)
    sums = [int(t) for t in all_gather(mine)]
    if len(set(sums)) > 1:
        raise StoreError('SaliencyHook: ranks hold different saliency '
                         f'stores (checksums {sums})')
    print_log(
        f'SaliencyHook: store checksum {sums[0]:08x}, identical on '
        f'{len(sums)} rank(s)',
        logger='current')
    return sums[0], len(sums)
