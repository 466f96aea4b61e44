"""The benchmark scripts stop on bad input with one ``error:`` line and exit
status 2, no traceback."""
import subprocess
import sys

from .conftest import REPO


def test_code_metrics_names_an_unknown_revision():
    rev = 'no-such-revision-4f1c'
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks.code_metrics', '--rev', rev],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error:') and rev in last, last
