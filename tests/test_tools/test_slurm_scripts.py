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
