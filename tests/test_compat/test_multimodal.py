"""compat.multimodal: mmpretrain.models imports next to transformers 5."""
import importlib.util
import os
import subprocess
import sys

import pytest

from ..conftest import REPO


def _fake_package(root, name, version):
    """An installed, empty ``name`` of ``version``."""
    info = root / f'{name}-{version}.dist-info'
    info.mkdir()
    (info / 'METADATA'
     ).write_text(f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n')
    (root / name).mkdir()
    (root / name / '__init__.py').write_text('')


def _fake_transformers_5(root):
    """An installed 'transformers 5.0.0' without the classes mmpretrain's
    BLIP models subclass (as in the real transformers 5), next to
    pycocotools (mmpretrain's other condition for its multimodal models)."""
    _fake_package(root, 'transformers', '5.0.0')
    if importlib.util.find_spec('pycocotools') is None:
        _fake_package(root, 'pycocotools', '2.0.10')


@pytest.mark.parametrize('first', ['', 'import mmsal; '])
def test_mmpretrain_models_import_next_to_transformers_5(tmp_path, first):
    _fake_transformers_5(tmp_path)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(tmp_path), REPO,
             os.environ.get('PYTHONPATH', '')]))
    # mmdet beside mmcv 2.2 is the other trap (test_mmdet_version): kept out
    block = '' if first else 'import sys; sys.modules["mmdet"] = None; '
    code = block + first + ('import mmpretrain.models, sys; print("imported", '
                            '"mmsal" in sys.modules and "multimodal" in '
                            'sys.modules["mmsal"].compat.APPLIED)')
    proc = subprocess.run([sys.executable, '-c', code],
                          env=env,
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=120)
    if not first:  # the trap: mmpretrain alone fails
        assert proc.returncode != 0
        assert 'transformers' in proc.stderr.splitlines()[-1]
    else:
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert 'imported True' in proc.stdout
