"""One evidence run and its record: pretrain a variant (or take the random
init), evaluate the final backbone, return the dict appended to the
results file. ``demo-v6`` records carry more than ``demo-v5`` ones: the
probe's loss curve, the maps' pointing against the contrast map, what the
variant's training pairs hold, the CPU model and the code's commit."""
import os
import os.path as osp
import subprocess
import time

from benchmarks.evidence import runs
from benchmarks.evidence.protocols import PROTOCOLS, crop_mode


def finetune(name, cfg, ckpt, run_dir, seed, log):
    """Top-1 on the val objects of the fine-tuning config ``cfg`` (the
    backbone initialised from ``ckpt`` or at random), its per-epoch mean
    training loss and its last logged loss."""
    out_dir = osp.join(run_dir, name)
    init = ('model.backbone.init_cfg=None' if ckpt == 'random' else
            f'model.backbone.init_cfg.checkpoint={ckpt}')
    resume = ['--resume'] if osp.exists(osp.join(out_dir,
                                                 'last_checkpoint')) else []
    runs.tool(
        'train.py',
        cfg,
        '--work-dir',
        out_dir,
        '--cfg-options',
        init,
        f'randomness.seed={seed}',
        *resume,
        log=log)
    return runs.finetune_result(out_dir)


def _commit():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                              cwd=runs.REPO,
                              capture_output=True,
                              text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _saliency_hook(cfg):
    if cfg is None:
        return None
    from mmengine.config import Config
    hooks = Config.fromfile(cfg).get('custom_hooks', [])
    return next((h for h in hooks if h.get('type') == 'SaliencyHook'), None)


def run_one(protocol, variant, seed, work_dir, extra=()):
    """Pretrain and evaluate one (variant, seed) of ``protocol``; resumable
    (finished steps are reused from ``work_dir``). Returns the record."""
    spec = PROTOCOLS[protocol]
    cfg = spec['variants'][variant]
    extra = list(extra)
    # one folder per protocol: a run of an older protocol is never resumed
    run_dir = osp.join(work_dir, protocol, f'{variant}_seed{seed}')
    os.makedirs(run_dir, exist_ok=True)
    log = osp.join(run_dir, 'evidence.log')
    start = time.time()
    ckpt = 'random' if cfg is None else runs.train(cfg, run_dir, seed, extra,
                                                   log)
    if ckpt is None:
        raise RuntimeError(f'no final checkpoint in {run_dir}')
    train_s = time.time() - start
    # random init: the seed picks the initial weights
    knn = runs.knn(run_dir, ckpt, seed, log, config=spec['knn'])
    # the two halves of a demo class: which one the features learned
    factors = {
        label:
        runs.json_out(
            'knn_eval.py',
            osp.join(run_dir, f'knn_{label}.json'),
            spec['knn'],
            ckpt,
            '--cfg-options',
            f'seed={seed}',
            f'knn_train_dataloader.dataset.label={label}',
            f'knn_val_dataloader.dataset.label={label}',
            log=log)['top1']
        for label in ('shape', 'pattern')
    }
    tuned = {
        name: finetune(name, ft_cfg, ckpt, run_dir, seed, log)
        for name, ft_cfg in spec['finetunes'].items()
    }

    def saliency(out, config):
        """eval_saliency on the val scenes with ``config``'s maps."""
        return runs.json_out(
            'eval_saliency.py',
            osp.join(run_dir, out),
            config,
            ckpt,
            '--split',
            'val',
            '--cfg-options',
            f'randomness.seed={seed}',
            log=log)

    sal = saliency('saliency.json', spec['saliency'])
    record = dict(
        protocol=protocol,
        variant=variant,
        seed=seed,
        knn_top1=knn['top1'],
        knn_top5=knn['top5'],
        knn_shape=factors['shape'],
        knn_pattern=factors['pattern'],
        **{
            f'{name}_top1': res[0]
            for name, res in tuned.items()
        },
        pointing=sal['pointing_game'],
        pointing_random=sal['pointing_random'],
        pointing_centre=sal['pointing_centre'],
        train_minutes=round(train_s / 60, 2),
        extra=extra)
    if protocol == 'demo-v5':
        return dict(
            record,
            machine=runs.machine(),
            finished=time.strftime('%Y-%m-%d %H:%M'))
    # demo-v6: the training pairs of the variant, with its own maps
    hook = _saliency_hook(cfg)
    own = sal
    if hook is not None and hook.get('source', 'model') != 'model':
        own = saliency('saliency_own.json', cfg)
    mode = crop_mode(cfg)
    pairs = own['crops'][mode]
    return dict(
        record,
        linear_final_loss=tuned['linear'][2],
        linear_loss_curve=tuned['linear'][1],
        pointing_contrast=sal['pointing_contrast'],
        pointing_vs_contrast=sal['pointing_vs_contrast'],
        energy_in_boxes=sal['energy_in_boxes'],
        crop_mode=mode,
        same_dominant_object=pairs['same_dominant_object'],
        shared_object=pairs['shared_object'],
        machine=runs.machine(cpu=True),
        commit=_commit(),
        finished=time.strftime('%Y-%m-%d %H:%M'))
