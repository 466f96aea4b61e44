"""What ``tools/train.py`` and ``tools/test.py`` share: loading a config with
the command-line overrides, guarding the work_dir, and turning bad input into
a one-line error."""
import glob
import os
import os.path as osp
import re
import sys

import torch
from mmengine.config import Config

from .compat import adapt_cfg_to_device
from .errors import MmsalError, UsageError
from .models.data_preprocessors import move_view_augment

# the default hooks mmengine itself registers (None removes them)
MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger',
                          'param_scheduler', 'checkpoint')
# mmengine's registry prefixes build errors with "class `X` in path.py: ".
_BUILD_PREFIX = re.compile(r'class `\w+` in [\w/.]+\.py: ')


def hook_options(cfg, cfg_options):
    """``--cfg-options`` keys that name a custom hook by its type
    (``SaliencyHook.resume_store=False``) rewritten to its place in
    ``custom_hooks`` (``custom_hooks.0.resume_store``), so overrides do not
    depend on the order of the hooks. Other keys pass unchanged."""
    hooks = cfg.get('custom_hooks') or []
    types = [h.get('type') if isinstance(h, dict) else None for h in hooks]
    out = {}
    for key, value in (cfg_options or {}).items():
        head, _, rest = key.partition('.')
        if rest and head.endswith('Hook') and head not in cfg:
            if types.count(head) != 1:
                raise UsageError(
                    f'--cfg-options {key}: the config has '
                    f'{types.count(head)} {head} in custom_hooks; name it '
                    'as custom_hooks.N.<option> instead')
            key = f'custom_hooks.{types.index(head)}.{rest}'
        out[key] = value
    return out


def load_config(path, cfg_options=None, launcher='none', work_dir=None):
    """Load ``path`` with ``--cfg-options`` merged (hooks may be named by
    type, :func:`hook_options`), the launcher set, the
    work_dir resolved (CLI > config > ``work_dirs/<config name>``), the
    view augmentations moved to the model for ``augment_on='device'``
    (:func:`mmsal.models.data_preprocessors.move_view_augment`) and the
    device fixes of :func:`mmsal.compat.adapt_cfg_to_device` applied."""
    if not osp.isfile(path):
        raise UsageError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(hook_options(cfg, cfg_options))
    if cfg.get('train_dataloader'):
        move_view_augment(cfg)
    # default_hooks.<name>=None turns off a hook of mmsal's runtime
    # (exact_resume) too; mmengine accepts None only for its own names
    hooks = cfg.get('default_hooks') or {}
    for name in [k for k, v in hooks.items() if v is None]:
        if name not in MMENGINE_DEFAULT_HOOKS:
            del hooks[name]
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return adapt_cfg_to_device(cfg)


def existing_checkpoints(work_dir):
    """Checkpoints (``*.pth``) and ``last_checkpoint`` already in work_dir."""
    found = glob.glob(osp.join(work_dir, '*.pth'))
    if osp.exists(osp.join(work_dir, 'last_checkpoint')):
        found.append(osp.join(work_dir, 'last_checkpoint'))
    return sorted(found)


def guard_work_dir(cfg):
    """Refuse to start a new run over another run's checkpoints: mmengine
    would overwrite ``epoch_N.pth`` and ``last_checkpoint``."""
    if cfg.get('resume'):
        return
    found = existing_checkpoints(cfg.work_dir)
    if found:
        raise UsageError(
            f'work_dir {cfg.work_dir} already holds checkpoints '
            f'({osp.basename(found[0])}, ...); pass --resume to continue that '
            'run, or choose another --work-dir')


#: init_cfg types that load a checkpoint (mmengine's and mmsal.transfer's)
PRETRAINED_TYPES = ('Pretrained', 'StrictPretrained')


def pretrained_inits(cfg):
    """``(config key, init_cfg)`` of each model part that starts from a
    checkpoint: the backbone, and a detector's RoI head made of the
    backbone's last stage (R50-C4)."""
    model = cfg.get('model') or {}
    parts = (('model.backbone', model.get('backbone')),
             ('model.roi_head.shared_head', (model.get('roi_head')
                                             or {}).get('shared_head')))
    found = []
    for key, part in parts:
        init = (part or {}).get('init_cfg')
        if isinstance(init, dict) and init.get('type') in PRETRAINED_TYPES:
            found.append((f'{key}.init_cfg', init))
    return found


def check_pretrained(cfg):
    """A probe / fine-tuning / transfer config whose backbone should start
    from a checkpoint must name one that exists (mmengine would only fail
    when it builds the model, with a less clear message)."""
    for part, init in pretrained_inits(cfg):
        key = part + '.checkpoint'
        ckpt = init.get('checkpoint')
        if not ckpt:
            raise UsageError(
                f'{key} is not set: pass --cfg-options {key}=PATH (a '
                f'pretraining checkpoint), or {part}=None for the random-init '
                'baseline')
        if '://' not in str(ckpt):
            require_file(ckpt, key)
    check_one_pretraining(pretrained_inits(cfg))


def check_one_pretraining(inits):
    """The parts of ``inits`` (:func:`pretrained_inits`) are one pretrained
    ResNet: they name the same checkpoint, and a stage one part leaves out
    (``ignore``, e.g. ``layer4.`` for an R50-C4 backbone) is loaded by
    another (``keep``), or the RoI head holding it would train from random
    init unnoticed. Other ignored weights (a classifier's ``fc.``) pass."""
    first_key, first = inits[0] if inits else (None, {})
    for key, init in inits[1:]:
        if init.get('checkpoint') != first.get('checkpoint'):
            raise UsageError(
                f"{key}.checkpoint ({init.get('checkpoint')}) is not "
                f"{first_key}.checkpoint ({first.get('checkpoint')}): both "
                'parts come from one pretraining; set both')
    for key, init in inits:
        stages = [p for p in init.get('ignore', ()) if p.startswith('layer')]
        for prefix in stages:
            if not any(
                    prefix in other.get('keep', ())
                    for other_key, other in inits if other_key != key):
                raise UsageError(
                    f'{key}.ignore leaves out {prefix}* but no other part '
                    f"loads it (an init_cfg with keep=('{prefix}',)): those "
                    'weights would stay at random init')


def require_file(path, what='checkpoint'):
    """Stop with '<what> not found: <path>' unless ``path`` is a file."""
    if not osp.isfile(path):
        raise UsageError(f'{what} not found: {path}')


def refuse_overwrite(path, what=None):
    """Stop before writing over something the user already has."""
    if path and osp.exists(path):
        raise UsageError(f'{what or path} already exists; not overwriting')


def check_amp(amp):
    if amp and not torch.cuda.is_available():
        raise UsageError('--amp needs a CUDA GPU (mmengine AmpOptimWrapper); '
                         'leave it out on CPU')


def run_cli(main):
    """Run ``main()``; print bad-input errors as one line and exit 2."""
    try:
        main()
    except MmsalError as e:
        msg = str(e)
        if 'Original Traceback' in msg:
            # raised in a dataloader worker: torch re-raises it with the
            # worker's traceback; the last line is the error itself
            msg = msg.strip().splitlines()[-1].split(': ', 1)[-1]
        msg = _BUILD_PREFIX.sub('', msg).replace('\n', ' ')
        print(f'error: {msg}', file=sys.stderr, flush=True)
        sys.exit(2)


def set_local_rank(local_rank):
    """torch.distributed.launch passes --local-rank; torchrun sets the env."""
    if local_rank is not None and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)


def parse_launch_args(parser):
    """Add the options every runner tool shares (``--cfg-options``,
    ``--launcher``, ``--local-rank``), parse, and set LOCAL_RANK."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, "key=value" pairs; a custom hook '
        'may be named by its type, e.g. SaliencyHook.interval=5')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    args = parser.parse_args()
    set_local_rank(args.local_rank)
    return args
