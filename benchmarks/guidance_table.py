"""Every saliency source scored on one split: the table of docs/guidance.md.

    python -m benchmarks.guidance_table configs/salssl_demo.py \
        random work_dirs/salssl_demo/epoch_12.pth \
        --out benchmarks/results/guidance_demo_val.json

Runs ``tools/eval_saliency.py`` once per source and checkpoint (the
controls do not depend on the checkpoint and run once), prints progress,
writes every result into one JSON file (which must not exist) and prints
the markdown table. About 10-20 s per row on 2 CPU cores.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

from benchmarks import arg_parser
from mmsal.records import write_json

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# (label, eval_saliency arguments, depends on the checkpoint)
ROWS = [
    ('model', ['--source', 'model'], True),
    ('shuffled (of model)', ['--source', 'shuffled'], True),
    ('oracle', ['--source', 'oracle'], False),
    ('shuffled (of oracle)',
     ['--source', 'shuffled', '--source-cfg', 'of=oracle'], False),
    ('contrast', ['--source', 'contrast'], False),
    ('centre', ['--source', 'centre'], False),
]


def parse_args():
    parser = arg_parser(__spec__, __doc__)
    parser.add_argument('config')
    parser.add_argument('checkpoints', nargs='+', help="or 'random'")
    parser.add_argument('--split', default='val', choices=['train', 'val'])
    parser.add_argument('--pairs', type=int, default=1000)
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='passed to every tools/eval_saliency.py call (e.g. another '
        'data_root)')
    return parser.parse_args()


def run_one(config, checkpoint, extra, split, pairs, cfg_options=()):
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'scores.json')
        cmd = [
            sys.executable,
            osp.join(REPO, 'tools', 'eval_saliency.py'), config, checkpoint,
            '--split', split, '--pairs',
            str(pairs), '--out', out
        ] + extra
        if cfg_options:
            cmd += ['--cfg-options', *cfg_options]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f'error: {" ".join(cmd)} failed: '
                     f'{proc.stderr.strip().splitlines()[-1]}')
        with open(out) as f:
            return json.load(f)


def table(rows):
    head = ('| source | checkpoint | grid | pointing | vs contrast | energy '
            '(box share) | same dominant: random / guided / paired | shared: '
            'random / guided / paired |')
    lines = [head, '|' + ' --- |' * 8]
    for row in rows:
        s, c = row['scores'], row['scores'].get('crops', {})
        dom = ' / '.join(f'{c[m]["same_dominant_object"]:.2f}' for m in c)
        shared = ' / '.join(f'{c[m]["shared_object"]:.2f}' for m in c)
        lines.append(
            f'| {row["source"]} | {row["checkpoint"]} | '
            f'{s["native_grid"]} | {s["pointing_game"]:.3f} | '
            f'{s["pointing_vs_contrast"]:+.3f} | {s["energy_in_boxes"]:.3f} '
            f'({s["box_area_share"]:.3f}) | {dom} | {shared} |')
    return '\n'.join(lines)


def main():
    args = parse_args()
    if osp.exists(args.out):
        sys.exit(f'error: --out {args.out} exists; it is not overwritten')
    rows = []
    for label, extra, per_checkpoint in ROWS:
        for ckpt in (args.checkpoints
                     if per_checkpoint else args.checkpoints[:1]):
            print(f'{label} / {ckpt} ...', flush=True)
            scores = run_one(args.config, ckpt, extra, args.split, args.pairs,
                             args.cfg_options)
            rows.append(
                dict(
                    source=label,
                    checkpoint=ckpt if per_checkpoint else '-',
                    scores=scores))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    write_json(
        args.out,
        dict(
            config=args.config,
            split=args.split,
            cfg_options=args.cfg_options,
            rows=rows))
    print(table(rows))
    print(f'guidance: wrote {args.out} ({len(rows)} rows)')


if __name__ == '__main__':
    main()
