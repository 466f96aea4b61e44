"""The demo evidence table: random init | MoCo v2 | + SaliencyCrop |
+ reweighting | both, over several seeds, unattended and resumable.

    python benchmarks/evidence_demo.py                    # the whole table
    python benchmarks/evidence_demo.py --variants mocov2 both --seeds 0
    python benchmarks/evidence_demo.py --variants online hybrid  # update modes
    python benchmarks/evidence_demo.py --render          # only rewrite the doc

Each (variant, seed) run trains with tools/train.py (continuing from its last
checkpoint if an earlier call was interrupted), then scores the final
backbone with tools/knn_eval.py (kNN top-1), a linear probe
(configs/benchmarks/linear_demo.py, top-1 on the demo val objects) and
tools/eval_saliency.py (pointing game on the demo val scenes, next to the
random-point and centre-point baselines). Every finished run is appended to
``--results`` (a JSON-lines file kept in the repository, so a later run
on another machine continues the table) and the table in ``--doc`` (between
its ``<!-- evidence PROTOCOL begin -->`` / ``end`` markers; other
protocols' tables stay) is rewritten at once.
Runs already in the results file for the same ``--protocol`` are skipped.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Bump when the demo configs change: results of another protocol are kept
# in the file but neither skipped nor tabled.
# v4: head gamma 0.5 (v3: 1.0); v2: views with GaussianBlur
# (docs/results_history.md)
PROTOCOL = 'demo-v4'
VARIANTS = {  # name: (pretraining config, row label)
    'random': (None, 'random init (floor)'),
    'mocov2': ('configs/mocov2_demo.py', 'MoCo v2'),
    'crop': ('configs/salssl_demo_crop_only.py', '+ SaliencyCrop'),
    'reweight': ('configs/salssl_demo_reweight_only.py', '+ reweighting'),
    'both': ('configs/salssl_demo.py', '+ both (SalSSL)'),
    # the store's update mode (SalSSL, both parts of the method)
    'online': ('configs/salssl_demo_online.py', 'SalSSL, online store'),
    'hybrid': ('configs/salssl_demo_hybrid.py', 'SalSSL, hybrid store'),
}
# The ablation table; the update modes run when asked (--variants online
# hybrid), against 'both' (the periodic mode).
DEFAULT_VARIANTS = ['random', 'mocov2', 'crop', 'reweight', 'both']
SALIENCY_CONFIG = 'configs/salssl_demo.py'  # maps of every variant: same hook


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        '--variants',
        nargs='+',
        default=DEFAULT_VARIANTS,
        choices=list(VARIANTS))
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--work-dir', default='work_dirs/evidence')
    p.add_argument('--results', default='docs/results_runs.jsonl')
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
        '--render',
        action='store_true',
        help='only rewrite the table from the results file')
    return p.parse_args()


def tool(name, *args, log):
    """Run tools/<name> from the repository root; output goes to ``log``."""
    cmd = [sys.executable, osp.join(REPO, 'tools', name)] + list(args)
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        proc = subprocess.run(
            cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'{" ".join(cmd[1:3])} failed (exit '
                           f'{proc.returncode}); see {log}')


def final_checkpoint(work_dir):
    """The newest epoch_N.pth in ``work_dir`` if training finished."""
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(last):
        return None
    with open(last) as f:
        path = f.read().strip()
    return path if osp.exists(path) else None


def train(cfg, run_dir, seed, extra, log):
    """Pretrain (or continue pretraining); returns the final checkpoint."""
    args = [
        cfg, '--work-dir', run_dir, '--cfg-options', f'randomness.seed={seed}'
    ] + extra
    if osp.exists(osp.join(run_dir, 'last_checkpoint')):
        args.append('--resume')  # an earlier call stopped part-way
    tool('train.py', *args, log=log)
    return final_checkpoint(run_dir)


def linear_top1(ckpt, run_dir, seed, log):
    lin_dir = osp.join(run_dir, 'linear')
    init = ('model.backbone.init_cfg=None' if ckpt == 'random' else
            f'model.backbone.init_cfg.checkpoint={ckpt}')
    resume = ['--resume'] if osp.exists(osp.join(lin_dir,
                                                 'last_checkpoint')) else []
    tool(
        'train.py',
        'configs/benchmarks/linear_demo.py',
        '--work-dir',
        lin_dir,
        '--cfg-options',
        init,
        f'randomness.seed={seed}',
        *resume,
        log=log)
    top1 = None
    for path in sorted(
            glob.glob(osp.join(lin_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'accuracy/top1' in rec:
                    top1 = rec['accuracy/top1']
    if top1 is None:
        raise RuntimeError(f'no accuracy/top1 logged under {lin_dir}')
    return top1


def json_out(name, out, *args, log):
    if not osp.exists(out):
        tool(name, *args, '--out', out, log=log)
    with open(out) as f:
        return json.load(f)


def run_one(variant, seed, args):
    cfg = VARIANTS[variant][0]
    # one folder per protocol: a run of an older protocol is never resumed
    run_dir = osp.join(args.work_dir, args.protocol, f'{variant}_seed{seed}')
    os.makedirs(run_dir, exist_ok=True)
    log = osp.join(run_dir, 'evidence.log')
    start = time.time()
    ckpt = 'random' if cfg is None else train(cfg, run_dir, seed,
                                              args.cfg_options, log)
    train_s = time.time() - start
    # random init: the seed picks the initial weights
    knn = json_out(
        'knn_eval.py',
        osp.join(run_dir, 'knn.json'),
        'configs/benchmarks/knn_demo.py',
        ckpt,
        '--cfg-options',
        f'seed={seed}',
        log=log)
    # the two halves of a demo class: which one the features learned
    factors = {
        label:
        json_out(
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
    sal = json_out(
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
        linear_top1=linear_top1(ckpt, run_dir, seed, log),
        pointing=sal['pointing_game'],
        pointing_random=sal['pointing_random'],
        pointing_centre=sal['pointing_centre'],
        train_minutes=round(train_s / 60, 2),
        extra=args.cfg_options,
        finished=time.strftime('%Y-%m-%d %H:%M'))


def load_results(path):
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def mean_std(values):
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}'


def table(results, protocol):
    rows = [r for r in results if r['protocol'] == protocol]
    lines = [
        f'Protocol `{protocol}`; mean ± std over seeds (n = seeds done). '
        'kNN vs MoCo v2: the difference to the MoCo v2 run of the same seed '
        '(same initial weights and data order), over the seeds both have.', '',
        '| variant | n | kNN top-1 | kNN vs MoCo v2 | linear top-1 | '
        'pointing game | random point | centre point | train min |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    moco = {r['seed']: r['knn_top1'] for r in rows if r['variant'] == 'mocov2'}
    for name, (_, label) in VARIANTS.items():
        runs = [r for r in rows if r['variant'] == name]
        if not runs:
            continue

        def col(key, scale=1.0):
            return mean_std([r[key] * scale for r in runs])

        paired = [
            r['knn_top1'] - moco[r['seed']] for r in runs if r['seed'] in moco
        ]
        lines.append(
            f"| {label} | {len(runs)} | {col('knn_top1')} | "
            f"{_paired(paired) if name != 'mocov2' else '-'} | "
            f"{col('linear_top1')} | {_ms3([r['pointing'] for r in runs])} | "
            f"{_ms3([r['pointing_random'] for r in runs])} | "
            f"{_ms3([r['pointing_centre'] for r in runs])} | "
            f"{col('train_minutes')} |")
    lines += [
        '', 'Per run (kNN shape / pattern: the same kNN with the '
        'objects labelled by shape, 5 classes, or by pattern, 2):', '',
        '| variant | seed | kNN top-1 | kNN shape / pattern | '
        'linear top-1 | pointing | finished |', '|---|---|---|---|---|---|---|'
    ]
    order = list(VARIANTS)
    rows = sorted(rows, key=lambda r: (order.index(r['variant']), r['seed']))
    for r in rows:
        factors = (f"{r['knn_shape']:.1f} / {r['knn_pattern']:.1f}"
                   if 'knn_shape' in r else '-')
        lines.append(f"| {r['variant']} | {r['seed']} | {r['knn_top1']:.1f} "
                     f"| {factors} | {r['linear_top1']:.1f} | "
                     f"{r['pointing']:.3f} | {r['finished']} |")
    return '\n'.join(lines)


def _paired(diffs):
    """Signed mean (± std) of paired differences, with their count."""
    if not diffs:
        return '-'
    text = f'{statistics.mean(diffs):+.1f}'
    if len(diffs) > 1:
        text += f' ± {statistics.stdev(diffs):.1f}'
    return f'{text} (n = {len(diffs)})'


def _ms3(values):
    if len(values) == 1:
        return f'{values[0]:.3f}'
    return f'{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}'


def markers(protocol):
    """The comments around a protocol's table in the doc."""
    return (f'<!-- evidence {protocol} begin -->',
            f'<!-- evidence {protocol} end -->')


def render(doc, results, protocol):
    """Rewrite ``protocol``'s table between its markers (appended at the
    end if the doc has none); other protocols' tables stay as they are."""
    begin, end = markers(protocol)
    block = f'{begin}\n{table(results, protocol)}\n{end}'
    text = ''
    if osp.exists(doc):
        with open(doc) as f:
            text = f.read()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text + ('\n' if text else '') + block + '\n'
    with open(doc, 'w') as f:
        f.write(text)


def main():
    args = parse_args()
    os.chdir(REPO)
    if not args.render:
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
                    f.write(json.dumps(result) + '\n')
                print(f'evidence: {json.dumps(result)}', flush=True)
                render(args.doc, load_results(args.results), args.protocol)
    render(args.doc, load_results(args.results), args.protocol)


if __name__ == '__main__':
    main()
