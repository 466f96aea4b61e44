"""tools/slurm_train.sh and slurm_test.sh hand srun the right resources
(checked with a stand-in srun that prints its arguments)."""
import os
import subprocess

import pytest

from ..conftest import TOOLS


@pytest.fixture
def fake_srun(tmp_path):
    srun = tmp_path / 'srun'
    srun.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    srun.chmod(0o755)
    return str(tmp_path)


@pytest.mark.parametrize('gpus,per_node', [('2', None), ('16', None),
                                           ('16', '4')])
def test_srun_arguments(fake_srun, gpus, per_node):
    env = dict(os.environ, PATH=f'{fake_srun}:{os.environ["PATH"]}', GPUS=gpus)
    if per_node:
        env['GPUS_PER_NODE'] = per_node
    expect = per_node or str(min(int(gpus), 8))
    for script, args in (('slurm_train.sh', ['part', 'job', 'c.py', 'w']),
                         ('slurm_test.sh', ['part', 'job', 'c.py', 'x.pth'])):
        out = subprocess.run(
            ['bash', os.path.join(TOOLS, script)] + args,
            env=env,
            capture_output=True,
            text=True,
            check=True).stdout.splitlines()
        assert f'--gres=gpu:{expect}' in out
        assert f'--ntasks={gpus}' in out
        assert f'--ntasks-per-node={expect}' in out
        assert '--launcher=slurm' in out and 'c.py' in out
        if script == 'slurm_train.sh':
            assert out[-4].endswith('/train.py') and out[-2] == '--work-dir=w'
        else:
            assert out[-4].endswith('/test.py') and out[-2] == 'x.pth'


def test_dist_scripts_hand_torchrun_the_tool_and_its_arguments(tmp_path):
    python = tmp_path / 'python'
    python.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    python.chmod(0o755)
    env = dict(os.environ, PYTHON=str(python))
    for script, args, tail in (('dist_train.sh', ['c.py', '2', '--resume'], [
            'c.py', '--launcher', 'pytorch', '--resume'
    ]), ('dist_test.sh', ['c.py', 'x.pth', '2', '--out', 'r.pkl'],
         ['c.py', 'x.pth', '--launcher', 'pytorch', '--out', 'r.pkl'])):
        out = subprocess.run(
            ['bash', os.path.join(TOOLS, script)] + args,
            env=env,
            capture_output=True,
            text=True,
            check=True).stdout.splitlines()
        assert out[:2] == ['-m', 'mmsal.launch']
        assert '--nproc_per_node=2' in out
        tool = 'train.py' if script == 'dist_train.sh' else 'test.py'
        at = next(i for i, a in enumerate(out) if a.endswith('/' + tool))
        assert out[at + 1:] == tail
