"""Choose a linear probe's lr and epochs without touching the val split.

    python -m benchmarks.probe_sweep configs/benchmarks/demo_v6/linear.py \
        work_dirs/tune_v6/mocov2_seed100/epoch_12.pth random \
        --lrs 0.01 0.1 1.0 --epochs 10 20 --seed 100 \
        --out benchmarks/results/probe_sweep_demo_v6.json

For every checkpoint (``random``: the backbone's random init of ``--seed``),
every lr and every number of epochs, trains the probe config with
tools/train.py on the first four fifths of each class of the labelled
training objects (``DemoObjects(part='fit')``) and scores it on the last
fifth (``part='holdout'``), as SimCLR and BYOL choose their probe's lr.
Records the holdout top-1, the probe's mean training loss per epoch and its
last logged loss (to see that it converged), writes them to ``--out``
(which must not exist) with the setting that is best on average over the
checkpoints, and prints a table. Probes are kept under ``--work-dir`` and
reused by a second call. About 30-60 s per probe on 2 CPU cores.
"""
import os
import os.path as osp
import sys
import time

from benchmarks import arg_parser
from benchmarks.evidence import runs
from mmsal.records import write_json


def parse_args():
    p = arg_parser(__spec__, __doc__)
    p.add_argument('config', help='linear probe config')
    p.add_argument(
        'checkpoints', nargs='+', help="pretraining checkpoints or 'random'")
    p.add_argument('--lrs', nargs='+', type=float, required=True)
    p.add_argument('--epochs', nargs='+', type=int, default=[10])
    p.add_argument('--seed', type=int, default=100)
    p.add_argument('--work-dir', default='work_dirs/probe_sweep')
    p.add_argument('--out', required=True, help='JSON file to write')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed to every probe (e.g. another data_root)')
    return p.parse_args()


def probe(config, ckpt, lr, epochs, seed, extra, work_dir, log):
    """Train one probe on 'fit', score it on 'holdout'; resumable."""
    init = ('model.backbone.init_cfg=None' if ckpt == 'random' else
            f'model.backbone.init_cfg.checkpoint={ckpt}')
    opts = [
        init, f'randomness.seed={seed}', f'optim_wrapper.optimizer.lr={lr}',
        f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
        f'param_scheduler.T_max={epochs}', 'train_dataloader.dataset.part=fit',
        'val_dataloader.dataset.split=train',
        'val_dataloader.dataset.part=holdout', *extra
    ]
    if not osp.exists(osp.join(work_dir, f'epoch_{epochs}.pth')):
        resume = (['--resume'] if osp.exists(
            osp.join(work_dir, 'last_checkpoint')) else [])
        runs.tool(
            'train.py',
            config,
            '--work-dir',
            work_dir,
            '--cfg-options',
            *opts,
            *resume,
            log=log)
    top1, curve, last = runs.finetune_result(work_dir)
    return dict(holdout_top1=top1, loss_curve=curve, final_loss=last)


def table(rows):
    lines = [
        '| checkpoint | lr | epochs | holdout top-1 | mean loss: first '
        'epoch -> last epoch (last logged) |', '|---|---|---|---|---|'
    ]
    for r in rows:
        curve = r['loss_curve']
        lines.append(f"| {r['checkpoint']} | {r['lr']:g} | {r['epochs']} | "
                     f"{r['holdout_top1']:.1f} | {curve[0][1]:.3f} -> "
                     f"{curve[-1][1]:.3f} ({r['final_loss']:.3f}) |")
    return '\n'.join(lines)


def main():
    args = parse_args()
    if osp.exists(args.out):
        sys.exit(f'error: --out {args.out} exists; it is not overwritten')
    root = osp.abspath(args.work_dir)
    os.makedirs(root, exist_ok=True)
    log = osp.join(root, 'probe_sweep.log')
    rows = []
    for ci, ckpt in enumerate(args.checkpoints):
        for lr in args.lrs:
            for epochs in args.epochs:
                print(
                    f'probe {ckpt} lr {lr:g} epochs {epochs} ...', flush=True)
                start = time.time()
                res = probe(args.config, ckpt, lr, epochs, args.seed,
                            args.cfg_options,
                            osp.join(root,
                                     f'ckpt{ci}_lr{lr:g}_e{epochs}'), log)
                rows.append(dict(checkpoint=ckpt, lr=lr, epochs=epochs, **res))
                print(
                    f'  holdout top-1 {res["holdout_top1"]:.1f}, last loss '
                    f'{res["final_loss"]:.3f} ({time.time() - start:.0f} s)',
                    flush=True)
    settings = sorted({(r['lr'], r['epochs']) for r in rows})
    mean = {
        s:
        sum(r['holdout_top1'] for r in rows if (r['lr'], r['epochs']) == s) /
        len(args.checkpoints)
        for s in settings
    }
    best = max(settings, key=lambda s: mean[s])
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    write_json(
        args.out,
        dict(
            config=args.config,
            seed=args.seed,
            cfg_options=args.cfg_options,
            machine=runs.machine(cpu=True),
            rows=rows,
            best=dict(lr=best[0], epochs=best[1], mean_holdout=mean[best])))
    print(table(rows))
    print(f'best on average: lr {best[0]:g}, {best[1]} epochs '
          f'(holdout top-1 {mean[best]:.1f})')
    print(f'probe_sweep: wrote {args.out} ({len(rows)} probes)')


if __name__ == '__main__':
    main()
