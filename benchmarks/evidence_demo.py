"""The demo evidence tables: every variant of a protocol over several
seeds, unattended and resumable.

    python -m benchmarks.evidence_demo                    # the demo-v5 table
    python -m benchmarks.evidence_demo --variants mocov2 both --seeds 0
    python -m benchmarks.evidence_demo --variants online hybrid  # modes
    python -m benchmarks.evidence_demo --render          # only rewrite the doc
    python -m benchmarks.evidence_demo --protocol demo-v6 --seeds 0 1 2 3 4 5
    python -m benchmarks.evidence_demo --protocol demo-v6 --rerun oracle 0

``--protocol demo-v6`` (docs/protocol_demo_v6.md) runs its variants
(benchmarks/evidence/protocols.py) and keeps its stop rule: variants with
the model's own maps run on reporting seeds (< 100) only once the oracle
ceiling has beaten MoCo v2 on at least 6 of them (benchmarks/evidence/
table_v6.py). Its records also carry the probe's loss curve, what the
training pairs hold, the CPU model and the commit. ``--rerun VARIANT SEED``
runs a recorded run again from its record's fields into
``WORK_DIR/rerun`` and prints both records' numbers; nothing is appended.
Any other ``--protocol`` label runs demo-v5's configs.

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
import os
import sys

from benchmarks import arg_parser
from benchmarks.evidence import record, runs, table_v6  # noqa: F401
from benchmarks.evidence.protocols import DEMO_V5, PROTOCOLS
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
VARIANTS = DEMO_V5['variants']


def spec_of(protocol):
    """The configs of ``protocol``: demo-v6's, or demo-v5's for any other
    label (a smoke test, an older protocol)."""
    return PROTOCOLS.get(protocol, DEMO_V5)


def parse_args():
    p = arg_parser(__spec__, __doc__)
    p.add_argument(
        '--variants',
        nargs='+',
        help='default: the protocol\'s table (demo-v5: '
        f"{' '.join(DEMO_V5['default_variants'])}; demo-v6: "
        f"{' '.join(PROTOCOLS['demo-v6']['default_variants'])})")
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--work-dir', default='work_dirs/evidence')
    p.add_argument('--results', default=RESULTS)
    p.add_argument('--doc', default='docs/results.md')
    p.add_argument(
        '--protocol',
        default=PROTOCOL,
        help=f'label of the run settings (default {PROTOCOL}; or demo-v6)')
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
        '--finetune-seed',
        type=int,
        help='--transfer: the fine-tuning seed (default: each run\'s '
        'pretraining seed); recorded as det_finetune_seed')
    p.add_argument(
        '--render',
        action='store_true',
        help='only rewrite the table from the results file')
    p.add_argument(
        '--rerun',
        nargs=2,
        metavar=('VARIANT', 'SEED'),
        help='run a recorded run again from its record and compare')
    args = p.parse_args()
    variants = spec_of(args.protocol)['variants']
    args.variants = args.variants or spec_of(args.protocol)['default_variants']
    for name in args.variants + ([args.rerun[0]] if args.rerun else []):
        if name not in variants:
            p.error(f'--variants: {name!r} is no variant of '
                    f'{args.protocol}; choose from {sorted(variants)}')
    return args


def run_one(variant, seed, args):
    return record.run_one(args.protocol, variant, seed, args.work_dir,
                          args.cfg_options)


def render_doc(args):
    """Rewrite the protocol's table in ``--doc``."""
    results = load_results(args.results)
    if args.protocol == 'demo-v6':
        table_v6.render(args.doc, results)
    else:
        render(args.doc, results, args.protocol)


def check_stop_rule(args):
    """demo-v6: refuse model-map variants on reporting seeds until the
    ceiling stage has passed (docs/protocol_demo_v6.md, "Stop rule")."""
    first = spec_of(args.protocol).get('ceiling_first')
    if not first:
        return
    later = [v for v in args.variants if v not in first]
    if later and any(s < 100 for s in args.seeds):
        rows = [
            r for r in load_results(args.results)
            if r['protocol'] == args.protocol
        ]
        passed, text = table_v6.stop_rule(rows)
        if not passed:
            sys.exit(f'error: --variants {" ".join(later)} on reporting '
                     f'seeds waits for the ceiling stage; {text}')


def rerun(args):
    """--rerun: the recorded run again, from its fields, into a new
    folder; prints both records' numbers side by side."""
    variant, seed = args.rerun[0], int(args.rerun[1])
    old = [
        r for r in load_results(args.results) if r['protocol'] == args.protocol
        and r['variant'] == variant and r['seed'] == seed
    ]
    if not old:
        sys.exit(f'error: --rerun: no {args.protocol} record of {variant} '
                 f'seed {seed} in {args.results}')
    new = record.run_one(args.protocol, variant, seed,
                         os.path.join(args.work_dir, 'rerun'),
                         old[-1].get('extra', []))
    for key, value in old[-1].items():
        if isinstance(value, float) and key in new:
            print(f'{key}: recorded {value:g}, again {new[key]:g}')
    print(f'rerun: {json_line(new)}')


def main():
    args = parse_args()
    os.chdir(REPO)
    if args.rerun:
        rerun(args)
        return
    if args.transfer:
        spec = spec_of(args.protocol)
        transfer(args, spec['variants'], spec.get('detection'),
                 lambda: render_doc(args))
    elif not args.render:
        check_stop_rule(args)
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
                render_doc(args)
    render_doc(args)


if __name__ == '__main__':
    main()
