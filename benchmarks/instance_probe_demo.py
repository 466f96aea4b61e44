"""Does a MoCo-style checkpoint tell two views of one image apart from others?

    python benchmarks/instance_probe_demo.py configs/mocov2_demo.py \
        work_dirs/evidence/mocov2_seed0/epoch_12.pth [--num-images 256]

Draws two training views of each of the first ``--num-images`` scenes with
the config's own pipeline, encodes view 0 with the query encoder (backbone +
neck) and view 1 with the key encoder, both in training mode (batch
statistics, batches of the config's size) as during training, and prints:

- the positive's rank among the fresh keys of all the images (0 = found;
  chance = (N - 1) / 2) and top-1;
- mean cosine of positive pairs, of other pairs, and of queries with the
  checkpoint's queue (keys of earlier steps);
- the contrastive loss and the positive's top-1 against that queue, as
  training computes them.

A loss below chance with positives no closer than other fresh keys means
the model finds the positive by *when* it was encoded (the queue holds
older keys), not by what it shows: docs/results.md, "the contrastive loss
rises".
"""
import argparse
import os.path as osp
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint', help="training checkpoint, or 'random'")
    p.add_argument('--num-images', type=int, default=256)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def main():
    args = parse_args()
    import mmsal  # noqa: F401  (registers the components)
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, MODELS

    from mmsal.entry import load_config, require_file
    cfg = load_config(args.config)
    init_default_scope('mmpretrain')
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = MODELS.build(cfg.model)
    if args.checkpoint == 'random':
        model.init_weights()
    else:
        require_file(args.checkpoint, 'checkpoint')
        state = torch.load(args.checkpoint, map_location='cpu',
                           weights_only=False)['state_dict']
        model.load_state_dict(state)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    n = min(args.num_images, len(dataset))
    items = [dataset[i] for i in range(n)]
    data = model.data_preprocessor(dict(
        inputs=[torch.stack([it['inputs'][v] for it in items])
                for v in range(2)],
        data_samples=[it['data_samples'] for it in items]), training=True)
    v0, v1 = data['inputs'][:2]
    bs = cfg.train_dataloader.batch_size
    model.train()
    with torch.no_grad():
        q = torch.cat([F.normalize(model.neck(model.backbone(v0[i:i + bs]))[0],
                                   dim=1) for i in range(0, n, bs)])
        k = torch.cat([F.normalize(model.encoder_k(v1[i:i + bs])[0], dim=1)
                       for i in range(0, n, bs)])
    sim = q @ k.t()
    rank = (sim > sim.diag()[:, None]).float().sum(1)
    pos = sim.diag().mean().item()
    neg = (sim.sum() - sim.diag().sum()).item() / (n * n - n)
    queue = model.queue.detach()
    temperature = cfg.model.head.get('temperature', 0.2)
    logits = torch.cat([sim.diag()[:, None], q @ queue], 1) / temperature
    loss = F.cross_entropy(logits, torch.zeros(n, dtype=torch.long)).item()
    print(f'{args.checkpoint}: {n} images')
    print(f'  fresh keys: positive rank {rank.mean().item():.1f} '
          f'(chance {(n - 1) / 2:.1f}), top-1 '
          f'{(rank == 0).float().mean().item():.3f}')
    print(f'  cosine: positive {pos:.3f}, other fresh keys {neg:.3f}, '
          f'queue {(q @ queue).mean().item():.3f}')
    print(f'  against the queue ({queue.shape[1]} keys): loss {loss:.3f} '
          f'(chance {np.log(queue.shape[1] + 1):.3f}), positive top-1 '
          f'{(logits.argmax(1) == 0).float().mean().item():.3f}')


if __name__ == '__main__':
    main()
