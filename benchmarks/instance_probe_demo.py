"""Does a MoCo-style checkpoint tell two views of one image apart from others?

    python -m benchmarks.instance_probe_demo configs/mocov2_demo.py \
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
older keys), not by what it shows: docs/results_history.md, "the
contrastive loss rises".
"""

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks import arg_parser


def parse_args():
    p = arg_parser(__spec__, __doc__)
    p.add_argument('config')
    p.add_argument('checkpoint', help="training checkpoint, or 'random'")
    p.add_argument('--num-images', type=int, default=256)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def instance_stats(q, k, queue, temperature):
    """How well queries ``q`` (N, C) find their keys ``k`` (N, C), row i
    being the pair of image i; ``queue`` (C, K) holds earlier keys. All
    L2-normalised. Returns the positive's mean rank among the N fresh keys
    (0 = closest), top-1 among them, mean cosines of positive pairs, other
    fresh pairs and query-queue pairs, and the loss and top-1 of the
    positive against the queue as MoCo trains them."""
    n = q.shape[0]
    sim = q @ k.t()
    rank = (sim > sim.diag()[:, None]).float().sum(1)
    logits = torch.cat([sim.diag()[:, None], q @ queue], 1) / temperature
    target = torch.zeros(n, dtype=torch.long)
    return dict(
        rank=rank.mean().item(),
        top1=(rank == 0).float().mean().item(),
        cos_pos=sim.diag().mean().item(),
        cos_neg=(sim.sum() - sim.diag().sum()).item() / (n * n - n),
        cos_queue=(q @ queue).mean().item(),
        queue_len=queue.shape[1],
        loss=F.cross_entropy(logits, target).item(),
        queue_top1=(logits.argmax(1) == 0).float().mean().item())


def main():
    args = parse_args()
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, MODELS

    import mmsal  # noqa: F401  (registers the components)
    from mmsal.config import load_config
    from mmsal.errors import require_file
    from mmsal.progress import Progress
    if args.checkpoint != 'random':
        require_file(args.checkpoint, 'checkpoint')
    cfg = load_config(args.config)
    init_default_scope('mmpretrain')
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = MODELS.build(cfg.model)
    if args.checkpoint == 'random':
        model.init_weights()
    else:
        state = torch.load(
            args.checkpoint, map_location='cpu',
            weights_only=False)['state_dict']
        model.load_state_dict(state)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    n = min(args.num_images, len(dataset))
    bar = Progress(n, label='views drawn (images)')
    items = []
    for i in range(n):
        items.append(dataset[i])
        bar.update()
    data = model.data_preprocessor(
        dict(
            inputs=[
                torch.stack([it['inputs'][v] for it in items])
                for v in range(2)
            ],
            data_samples=[it['data_samples'] for it in items]),
        training=True)
    v0, v1 = data['inputs'][:2]
    bs = cfg.train_dataloader.batch_size
    model.train()
    bar = Progress(2 * n, label='views encoded')

    def encode(encoder, views):
        out = []
        for i in range(0, n, bs):
            out.append(F.normalize(encoder(views[i:i + bs])[0], dim=1))
            bar.update(len(out[-1]))
        return torch.cat(out)

    with torch.no_grad():
        q = encode(lambda x: model.neck(model.backbone(x)), v0)
        k = encode(model.encoder_k, v1)
    stats = instance_stats(q, k, model.queue.detach(),
                           cfg.model.head.get('temperature', 0.2))
    print(f'{args.checkpoint}: {n} images')
    print(f"  fresh keys: positive rank {stats['rank']:.1f} "
          f"(chance {(n - 1) / 2:.1f}), top-1 {stats['top1']:.3f}")
    print(f"  cosine: positive {stats['cos_pos']:.3f}, other fresh keys "
          f"{stats['cos_neg']:.3f}, queue {stats['cos_queue']:.3f}")
    print(f"  against the queue ({stats['queue_len']} keys): loss "
          f"{stats['loss']:.3f} (chance {np.log(stats['queue_len'] + 1):.3f})"
          f", positive top-1 {stats['queue_top1']:.3f}")


if __name__ == '__main__':
    from mmsal.cli import run_cli
    run_cli(main)
