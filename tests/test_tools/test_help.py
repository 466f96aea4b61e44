"""Every script in tools/ and benchmarks/ answers ``--help``: exit status 0
and a usage, starting nothing. The scripts are found by listing the folders,
so a new one is covered without a change here. The Python ones run in one
process (each imports torch and mmsal, seconds apiece), each shell script
with bash (they print their header comment and stop before any work)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from ..conftest import REPO

# Runs in a fresh interpreter from the repository root: ``--help`` of every
# script named on the command line, ``tools/NAME.py`` as a file (with tools/
# on sys.path, as ``python tools/NAME.py`` has it), ``benchmarks.NAME`` as
# ``python -m`` runs it; writes {script: [exit code, stdout]} as JSON.
LOOP = r'''
import contextlib, io, json, runpy, sys
out, scripts = sys.argv[1], sys.argv[2:]
sys.path[:0] = ['tools', '.']
found = {}
for script in scripts:
    buf, code = io.StringIO(), 'returned without exiting'
    sys.argv = [script, '--help']
    try:
        with contextlib.redirect_stdout(buf):
            if script.endswith('.py'):
                runpy.run_path(script, run_name='__main__')
            else:
                runpy.run_module(script, run_name='__main__', alter_sys=True)
    except SystemExit as e:
        code = e.code or 0
    except BaseException as e:
        code = f'{type(e).__name__}: {e}'
    found[script] = [code, buf.getvalue()]
with open(out, 'w') as f:
    json.dump(found, f)
'''


def _listed(folder, ending):
    return sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, folder, f'*{ending}')))


# tools/NAME.py by path, benchmarks.NAME by module (benchmarks/__init__.py
# is the package, not a script)
PYTHON_SCRIPTS = _listed('tools', '.py') + [
    'benchmarks.' + osp.basename(p)[:-3]
    for p in _listed('benchmarks', '.py') if not p.endswith('__init__.py')
]
SHELL_SCRIPTS = _listed('tools', '.sh') + _listed('benchmarks', '.sh')
RUN = dict(capture_output=True, text=True, timeout=300)


def test_scripts_are_found():
    assert 'tools/train.py' in PYTHON_SCRIPTS
    assert 'benchmarks.evidence_demo' in PYTHON_SCRIPTS
    assert 'benchmarks/gpu_checks.sh' in SHELL_SCRIPTS


def test_python_scripts_answer_help(tmp_path):
    out = tmp_path / 'help.json'
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    cmd = [sys.executable, '-c', LOOP, str(out)] + PYTHON_SCRIPTS
    proc = subprocess.run(cmd, cwd=REPO, env=env, **RUN)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(out.read_text())
    bad = {
        script: code if code != 0 else 'no usage in: ' + text[:200]
        for script, (code, text) in found.items()
        if code != 0 or 'usage' not in text.lower()
    }
    assert not bad, bad
    assert sorted(found) == sorted(PYTHON_SCRIPTS)


@pytest.mark.parametrize('script', SHELL_SCRIPTS)
@pytest.mark.parametrize('flag', ['--help', '-h'])
def test_shell_scripts_answer_help(script, flag, tmp_path):
    # in an empty folder: a script that went on past its usage would fail
    # there or leave files behind
    proc = subprocess.run(['bash', osp.join(REPO, script), flag],
                          cwd=tmp_path,
                          **RUN)
    assert proc.returncode == 0, proc.stderr
    assert 'usage' in proc.stdout.lower(), proc.stdout
    assert list(tmp_path.iterdir()) == []
