import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

# before any test module imports mmpretrain.models: mmsal.compat fixes what
# the installed packages break (e.g. mmdet next to mmcv 2.2)
import mmsal  # noqa: F401,E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')
TOOLS = osp.join(REPO, 'tools')
# A tiny demo data set: enough for a few training iterations.
TINY_DEMO = dict(
    num_train=24,
    num_val=8,
    image_size=64,
    objects_per_class=(3, 2),
    object_size=48,
    seed=0)


@pytest.fixture(scope='session')
def photos():
    """Real JPEG photos from the folder ``MMSAL_PHOTOS`` names (optional:
    the tests that use them skip without it)."""
    import glob
    folder = os.environ.get('MMSAL_PHOTOS', '')
    found = sorted(glob.glob(osp.join(folder, '*.jpg'))) if folder else []
    if not found:
        pytest.skip('no real photos (set MMSAL_PHOTOS to a folder of JPEGs)')
    return found


@pytest.fixture(scope='session')
def demo_root(tmp_path_factory):
    """The tiny demo data set, generated once per test session."""
    from mmsal.datasets import make_demo_data
    root = str(tmp_path_factory.mktemp('demo') / 'demo_scenes')
    make_demo_data(root, progress=False, **TINY_DEMO)
    return root


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_tool(args, cwd, timeout=300):
    """Run a tools/ script (or a bash launcher) and return the process."""
    env = dict(
        os.environ,
        PYTHONUNBUFFERED='1',
        OMP_NUM_THREADS='1',
        PYTHON=sys.executable,
        PORT=str(free_port()))
    if args[0].endswith('.sh'):
        cmd = ['bash', osp.join(TOOLS, args[0])] + list(args[1:])
    else:
        cmd = [sys.executable, osp.join(TOOLS, args[0])] + list(args[1:])
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def write_config(path, base, **overrides):
    """Write a config file at ``path`` that inherits ``base`` (a config name
    under configs/) and sets ``overrides`` (python literals)."""
    lines = [f'_base_ = {osp.join(CONFIGS, base)!r}']
    lines += [f'{k} = {v!r}' for k, v in overrides.items()]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def ok(proc):
    """Assert that ``proc`` (a finished tool) exited 0, showing the tail of
    its output if not; return its stdout + stderr."""
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def tiny_loader(demo_root, num_workers=2, batch_size=4, **dataset):
    """A ``train_dataloader`` override on the tiny demo data: ``batch_size``
    images a batch, persistent workers when there are workers, and the
    dataset at ``demo_root`` made with ``TINY_DEMO``; ``dataset`` adds keys
    to (or replaces keys of) the dataset dict."""
    return dict(
        batch_size=batch_size,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        dataset=dict(data_root=demo_root, demo_settings=TINY_DEMO, **dataset))


# A SaliencyHook sized for the tiny demo: refreshes before every epoch after
# the first, on 64 px inputs, in the training process. Copy it with
# ``dict(TINY_SALIENCY_HOOK, key=value)`` to change an option.
TINY_SALIENCY_HOOK = dict(
    type='SaliencyHook',
    warmup_epochs=1,
    interval=1,
    model_pass=dict(input_size=64, batch_size=8, num_workers=0))


def tiny_config(path, demo_root, base='salssl_demo.py', **extra):
    """Write a config at ``path`` for a tiny training run of ``base`` on the
    tiny demo data: 2 epochs of ``tiny_loader(demo_root)``, a queue of 16
    keys, a log line every iteration and ``TINY_SALIENCY_HOOK`` as the only
    custom hook. Each key of ``extra`` replaces the override of that name
    (``default_hooks={}`` keeps the base's hooks); returns the path."""
    overrides = dict(
        train_dataloader=tiny_loader(demo_root),
        model=dict(queue_len=16),
        train_cfg=dict(max_epochs=2),
        default_hooks=dict(logger=dict(interval=1)),
        custom_hooks=[dict(TINY_SALIENCY_HOOK)])
    overrides.update(extra)
    return write_config(path, base, **overrides)
