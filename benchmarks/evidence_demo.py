"""The demo evidence table: random init | MoCo v2 | + SaliencyCrop |
+ reweighting | both, over several seeds, unattended and resumable.

    python -m benchmarks.evidence_demo                    # the whole table
    python -m benchmarks.evidence_demo --variants mocov2 both --seeds 0
    python -m benchmarks.evidence_demo --variants online hybrid  # modes
    python -m benchmarks.evidence_demo --render          # only rewrite the doc

Each (variant, seed) run trains with tools/train.py (continuing from its last
checkpoint if an earlier call was interrupted), then scores the final
backbone with tools/knn_eval.py (kNN top-1, also by shape and by pattern),
three fine-tunings on the demo val objects (a linear probe and
semi-supervised fine-tuning with 1 % and 10 % of the labels,
``FINETUNES``) and tools/eval_saliency.py (pointing game on the demo val
scenes). Every finished run is appended to ``--results`` (a JSON-lines file
kept in the repository, benchmarks/results/results_runs.jsonl, so a later
run on another machine continues the table) and the table in ``--doc``
(between its ``<!-- evidence PROTOCOL begin -->`` / ``end`` markers; other
protocols' tables stay; see benchmarks/evidence/table.py) is rewritten at
once. Runs already in the results file for the same ``--protocol`` are
skipped.
"""
import glob
import json
import os
import os.path as osp
import time

from benchmarks import arg_parser
from benchmarks.evidence import runs
from benchmarks.evidence.runs import REPO, RESULTS, load_results
from benchmarks.evidence.table import markers, render, table  # noqa: F401
from benchmarks.evidence.transfer import transfer
from mmsal.records import json_line

# Bump when the demo configs change: results of another protocol are kept
# in the file but neither skipped nor tabled.
# v5: SaliencyCrop draws fresh candidates and scores the box it cuts,
# online / hybrid units fixed, semi-supervised columns; v4: head gamma 0.5
# (v3: 1.0); v2: views with GaussianBlur (docs/results_history.md)
PROTOCOL = 'demo-v5'
VARIANTS = {  # name: pretraining config (row labels: evidence/table.py)
    'random': None,
    'mocov2': 'configs/mocov2_demo.py',
    'crop': 'configs/salssl_demo_crop_only.py',
    'reweight': 'configs/salssl_demo_reweight_only.py',
    'both': 'configs/salssl_demo.py',
    # the store's update mode (SalSSL, both parts of the method)
    'online': 'configs/salssl_demo_online.py',
    'hybrid': 'configs/salssl_demo_hybrid.py',
}
# Fine-tuning evaluations of every checkpoint: name -> config
FINETUNES = {
    'linear': 'configs/benchmarks/linear_demo.py',
    'semi1': 'configs/benchmarks/semi_demo_1percent.py',
    'semi10': 'configs/benchmarks/semi_demo_10percent.py',
}
# The ablation table; the update modes run when asked (--variants online
# hybrid), against 'both' (the periodic mode).
DEFAULT_VARIANTS = ['random', 'mocov2', 'crop', 'reweight', 'both']
SALIENCY_CONFIG = 'configs/salssl_demo.py'  # maps of every variant: same hook


def parse_args():
    p = arg_parser(__spec__, __doc__)
    p.add_argument(
        '--variants',
        nargs='+',
        default=DEFAULT_VARIANTS,
        choices=list(VARIANTS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--work-dir', default='work_dirs/evidence')
    p.add_argument('--results', default=RESULTS)
    p.add_argument('--doc', default='docs/results.md')
    p.add_argument(
        '--protocol',
        default=PROTOCOL,
        help=f'label of the run settings (default {PROTOCOL})')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed to every pretraining run (e.g. a shorter '
        'train_cfg.max_epochs for a smoke test)')
    p.add_argument(
        '--transfer',
        action='store_true',
        help='add detection transfer (benchmarks.transfer_det_demo, '
        'full and 10 %% splits) to the recorded runs that lack it')
    p.add_argument(
        '--render',
        action='store_true',
        help='only rewrite the table from the results file')
    return p.parse_args()


def finetune_top1(name, ckpt, run_dir, seed, log):
    """Top-1 of ``FINETUNES[name]`` on the demo val objects, the backbone
    initialised from ``ckpt`` (or at random)."""
    out_dir = osp.join(run_dir, name)
    init = ('model.backbone.init_cfg=None' if ckpt == 'random' else
            f'model.backbone.init_cfg.checkpoint={ckpt}')
    resume = ['--resume'] if osp.exists(osp.join(out_dir,
                                                 'last_checkpoint')) else []
    runs.tool(
        'train.py',
        FINETUNES[name],
        '--work-dir',
        out_dir,
        '--cfg-options',
        init,
        f'randomness.seed={seed}',
        *resume,
        log=log)
    top1 = None
    for path in sorted(
            glob.glob(osp.join(out_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'accuracy/top1' in rec:
                    top1 = rec['accuracy/top1']
    if top1 is None:
        raise RuntimeError(f'no accuracy/top1 logged under {out_dir}')
    return top1


def run_one(variant, seed, args):
    cfg = VARIANTS[variant]
    # one folder per protocol: a run of an older protocol is never resumed
    run_dir = osp.join(args.work_dir, args.protocol, f'{variant}_seed{seed}')
    os.makedirs(run_dir, exist_ok=True)
    log = osp.join(run_dir, 'evidence.log')
    start = time.time()
    ckpt = 'random' if cfg is None else runs.train(cfg, run_dir, seed,
                                                   args.cfg_options, log)
    train_s = time.time() - start
    # random init: the seed picks the initial weights
    knn = runs.knn(run_dir, ckpt, seed, log)
    # the two halves of a demo class: which one the features learned
    factors = {
        label:
        runs.json_out(
            'knn_eval.py',
            osp.join(run_dir, f'knn_{label}.json'),
            'configs/benchmarks/knn_demo.py',
            ckpt,
            '--cfg-options',
            f'seed={seed}',
            f'knn_train_dataloader.dataset.label={label}',
            f'knn_val_dataloader.dataset.label={label}',
            log=log)['top1']
        for label in ('shape', 'pattern')
    }
    sal = runs.json_out(
        'eval_saliency.py',
        osp.join(run_dir, 'saliency.json'),
        SALIENCY_CONFIG,
        ckpt,
        '--split',
        'val',
        '--cfg-options',
        f'randomness.seed={seed}',
        log=log)
    return dict(
        protocol=args.protocol,
        variant=variant,
        seed=seed,
        knn_top1=knn['top1'],
        knn_top5=knn['top5'],
        knn_shape=factors['shape'],
        knn_pattern=factors['pattern'],
        **{
            f'{name}_top1': finetune_top1(name, ckpt, run_dir, seed, log)
            for name in FINETUNES
        },
        pointing=sal['pointing_game'],
        pointing_random=sal['pointing_random'],
        pointing_centre=sal['pointing_centre'],
        train_minutes=round(train_s / 60, 2),
        extra=args.cfg_options,
        machine=runs.machine(),
        finished=time.strftime('%Y-%m-%d %H:%M'))


def main():
    args = parse_args()
    os.chdir(REPO)
    if args.transfer:
        transfer(args, VARIANTS)
    elif not args.render:
        for seed in args.seeds:
            for variant in args.variants:
                done = load_results(args.results)
                if any(r['protocol'] == args.protocol
                       and r['variant'] == variant and r['seed'] == seed
                       for r in done):
                    continue
                print(f'evidence: {variant} seed {seed} ...', flush=True)
                result = run_one(variant, seed, args)
                with open(args.results, 'a') as f:
                    f.write(json_line(result) + '\n')
                print(f'evidence: {json_line(result)}', flush=True)
                render(args.doc, load_results(args.results), args.protocol)
    render(args.doc, load_results(args.results), args.protocol)


if __name__ == '__main__':
    main()
