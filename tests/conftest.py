import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

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
