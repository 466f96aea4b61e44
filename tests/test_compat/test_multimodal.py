"""compat.multimodal: mmpretrain.models imports next to transformers 5."""
import os
import subprocess
import sys

import pytest

from ..conftest import REPO


def _fake_transformers_5(root):
    """An installed 'transformers 5.0.0' without the classes mmpretrain's
    BLIP models subclass (as in the real transformers 5)."""
    info = root / 'transformers-5.0.0.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    (root / 'transformers').mkdir()
    (root / 'transformers' / '__init__.py').write_text('')


@pytest.mark.parametrize('first', ['', 'import mmsal; '])
def test_mmpretrain_models_import_next_to_transformers_5(tmp_path, first):
    _fake_transformers_5(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path), REPO, os.environ.get('PYTHONPATH', '')]))
    code = first + ('import mmpretrain.models, sys; print("imported", '
                    '"mmsal" in sys.modules and "multimodal" in '
                    'sys.modules["mmsal"].compat.APPLIED)')
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    if not first:  # the trap: mmpretrain alone fails
        assert proc.returncode != 0
        assert 'transformers' in proc.stderr.splitlines()[-1]
    else:
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert 'imported True' in proc.stdout
