"""docs/protocol_demo_v6.md is frozen: the text of the commit that froze
it stays, line for line, up to its "Amendments" heading; amendments only
grow after it (docs/protocol_demo_v6.md, status paragraph)."""
import os.path as osp
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PROTOCOL = 'docs/protocol_demo_v6.md'
FROZEN_AT = '741663f'  # the commit that wrote "Frozen on 2026-12-08"


def _frozen_text():
    try:
        proc = subprocess.run(['git', 'show', f'{FROZEN_AT}:{PROTOCOL}'],
                              cwd=REPO,
                              capture_output=True,
                              text=True)
    except OSError:
        pytest.skip('git is not available')
    if proc.returncode != 0:
        pytest.skip(f'commit {FROZEN_AT} is not in this checkout '
                    '(a shallow clone)')
    return proc.stdout


def test_protocol_lost_no_line_since_it_was_frozen():
    frozen = _frozen_text()
    assert 'Frozen on 2026-12-08' in frozen
    with open(osp.join(REPO, PROTOCOL)) as f:
        now = f.read()
    head = frozen.split('## Amendments')[0]
    assert now.startswith(head), 'the frozen text above Amendments changed'
    # every line of the frozen amendments section is still there, in order
    rest = iter(now[len(head):].splitlines())
    for line in frozen[len(head):].splitlines():
        assert any(line == other for other in rest), line
