"""``python -m benchmarks.evidence_demo --transfer``: detection transfer
columns for the recorded runs (``benchmarks.transfer_det_demo``, full and
10 % splits)."""
import os
import os.path as osp

from benchmarks.evidence import runs
from benchmarks.evidence.table import render
from mmsal.records import json_line


def add_transfer(record, args, variants, detection=None):
    """Detection transfer of a recorded run's checkpoint, full and 10 %.
    A run whose folder is gone (another machine) is pretrained again with
    its config and seed; the record then says ``det_repretrained``, and
    ``det_knn_top1`` (the new checkpoint's kNN top-1) shows whether it is
    the same network as the first run's, whose other columns it keeps.
    The fine-tuning seed (``--finetune-seed``, default the pretraining
    seed) is recorded apart from the pretraining seed (det_finetune_seed).
    ``detection``: the protocol's scenes, ``dict(data_root, preset)``
    (default: demo-v5's)."""
    variant, seed = record['variant'], record['seed']
    finetune_seed = seed if args.finetune_seed is None else args.finetune_seed
    cfg = variants[variant]
    run_dir = osp.join(args.work_dir, args.protocol, f'{variant}_seed{seed}')
    os.makedirs(run_dir, exist_ok=True)
    log = osp.join(run_dir, 'evidence.log')
    ckpt = 'random'
    if cfg is not None:
        # the recorded run's own kNN output is gone: this is another
        # training of the config (from scratch, or resumed part-way)
        repretrained = not osp.exists(osp.join(run_dir, 'knn.json'))
        # train() resumes an interrupted run and ends at once on a finished
        # one: the checkpoint is always the last epoch's
        ckpt = runs.train(cfg, run_dir, seed, record.get('extra', []), log)
        if ckpt is None:
            raise RuntimeError(f'no final checkpoint in {run_dir}')
        record.update(det_repretrained=repretrained)
        if repretrained:  # same checkpoint as the recorded run's? kNN says
            record['det_knn_top1'] = runs.knn(run_dir, ckpt, seed, log)['top1']
    minutes = 0.0
    for split, key in (('full', 'det'), ('low', 'det_low')):
        det = runs.json_out(
            'benchmarks.transfer_det_demo',
            osp.join(run_dir, f'{key}.json'),
            ckpt,
            '--split',
            split,
            '--finetune-seed',
            str(finetune_seed),
            *([
                '--data-root', detection['data_root'], '--preset',
                detection['preset']
            ] if detection else []),
            log=log)
        record.update({
            f'{key}_ap': det['ap'],
            f'{key}_ap50': det['ap50'],
            f'{key}_ap75': det['ap75']
        })
        minutes += det['finetune_minutes']
    record['det_finetune_seed'] = finetune_seed
    record['det_minutes'] = round(minutes / 2, 2)
    record['det_machine'] = runs.machine()
    return record


def transfer(args, variants, detection=None, rerender=None):
    """--transfer: fill the detection columns of the selected runs, on
    the protocol's scenes (``detection``); after each, ``rerender()``
    rewrites the protocol's table (default: demo-v5's table)."""
    for seed in args.seeds:
        for variant in args.variants:
            results = runs.load_results(args.results)
            for i, r in enumerate(results):
                if (r['protocol'] == args.protocol and r['variant'] == variant
                        and r['seed'] == seed and 'det_ap' not in r):
                    print(f'transfer: {variant} seed {seed} ...', flush=True)
                    results[i] = add_transfer(r, args, variants, detection)
                    with open(args.results, 'w') as f:
                        f.writelines(json_line(x) + '\n' for x in results)
                    if rerender:
                        rerender()
                    else:
                        render(args.doc, results, args.protocol)
