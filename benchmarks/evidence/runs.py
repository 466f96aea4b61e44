"""What the evidence scripts share: running a tool into a run's log,
pretraining (or resuming) a run, cached JSON outputs, the results file and
the machine a run was measured on."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: the results file the evidence table is rendered from
RESULTS = 'benchmarks/results/results_runs.jsonl'


def tool(name, *args, log):
    """Run tools/<name> (or the benchmark module ``benchmarks.X``) from the
    repository root; output goes to ``log`` (one line here names both, as
    the run can take minutes)."""
    if name.startswith('benchmarks.'):
        cmd = [sys.executable, '-m', name]
    else:
        cmd = [sys.executable, osp.join(REPO, 'tools', name)]
    cmd += list(args)
    print(
        f'  {name} {args[0] if args else ""} ... (output: {log})', flush=True)
    with open(log, 'a') as f:
        f.write('$ ' + ' '.join(cmd) + '\n')
        f.flush()
        proc = subprocess.run(
            cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'{" ".join([name, *args[:1]])} failed (exit '
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


def json_out(name, out, *args, log):
    if not osp.exists(out):
        tool(name, *args, '--out', out, log=log)
    with open(out) as f:
        return json.load(f)


def machine(cpu=False):
    """What decides the run's numerics besides the seed: torch's version,
    the CPU kernels it picked (AVX2 / AVX512) and the core count, and with
    ``cpu`` the CPU's model name (demo-v6 records carry it). Runs of one
    seed are only paired when they share it (docs/results.md)."""
    import torch

    from benchmarks.precision_cpu import cpu_model
    out = (f'torch {torch.__version__}, '
           f'{torch.backends.cpu.get_cpu_capability()}, '
           f'{os.cpu_count()} cores')
    return f'{cpu_model()}, {out}' if cpu else out


def scalars(work_dir):
    """Every record of the ``scalars.json`` files under ``work_dir`` (one
    per run start; a resumed run has two), in order."""
    out = []
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def finetune_result(work_dir):
    """``(top1, loss curve, last loss)`` of a fine-tuning or probe run in
    ``work_dir``: its last logged ``accuracy/top1`` and its loss curve
    (:func:`loss_curve`)."""
    records = scalars(work_dir)
    top1 = [r['accuracy/top1'] for r in records if 'accuracy/top1' in r]
    if not top1:
        raise RuntimeError(f'no accuracy/top1 logged under {work_dir}')
    return (top1[-1], *loss_curve(records))


def loss_curve(records):
    """``[[epoch, mean training loss]]`` of the logged training lines,
    and the last logged loss."""
    per_epoch = {}
    for rec in records:
        if 'loss' in rec and 'epoch' in rec:
            per_epoch.setdefault(int(rec['epoch']), []).append(rec['loss'])
    curve = [[e, sum(v) / len(v)] for e, v in sorted(per_epoch.items())]
    last = [rec['loss'] for rec in records if 'loss' in rec]
    return curve, (last[-1] if last else None)


def load_results(path):
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def knn(run_dir, ckpt, seed, log, config='configs/benchmarks/knn_demo.py'):
    """kNN of ``ckpt`` on the demo objects (``run_dir/knn.json``)."""
    return json_out(
        'knn_eval.py',
        osp.join(run_dir, 'knn.json'),
        config,
        ckpt,
        '--cfg-options',
        f'seed={seed}',
        log=log)
