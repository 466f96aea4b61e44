"""compat.mmdet_version: mmpretrain.models imports next to an mmdet that
refuses mmcv 2.2, and mmdet's configs still resolve."""
import os
import subprocess
import sys

import pytest

from ..conftest import REPO


def _fake_mmdet(root):
    """An installed 'mmdet 3.3.0' whose import asserts mmcv < 2.2.0 (as the
    real one does), with one config."""
    info = root / 'mmdet-3.3.0.dist-info'
    info.mkdir()
    (info / 'METADATA'
     ).write_text('Metadata-Version: 2.1\nName: mmdet\nVersion: 3.3.0\n')
    (info / 'top_level.txt').write_text('mmdet\n')
    package = root / 'mmdet'
    (package / '.mim' / 'configs' / 'demo').mkdir(parents=True)
    (package / '__init__.py').write_text(
        'import mmcv\n'
        'from mmengine.utils import digit_version\n'
        "assert digit_version(mmcv.__version__) < digit_version('2.2.0'), \\\n"
        "    f'MMCV=={mmcv.__version__} is used but incompatible.'\n")
    (package / '.mim' / 'model-index.yml').write_text('Import: []\n')
    (package / '.mim' / 'configs' / 'demo' /
     'base.py').write_text("marker = 'from mmdet'\n")


def _run(code, root):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(root), REPO,
             os.environ.get('PYTHONPATH', '')]))
    return subprocess.run([sys.executable, '-c', code],
                          env=env,
                          cwd=str(root),
                          capture_output=True,
                          text=True,
                          timeout=120)


def test_mmpretrain_and_mmdet_configs_next_to_mmcv_2_2(tmp_path):
    import mmcv
    from mmengine.utils import digit_version
    if digit_version(mmcv.__version__) < digit_version('2.2.0'):
        pytest.skip('mmcv < 2.2: the real mmdet imports, nothing to fix')
    _fake_mmdet(tmp_path)
    alone = _run('import mmpretrain.models', tmp_path)
    assert alone.returncode != 0  # the trap
    assert 'incompatible' in alone.stderr.strip().splitlines()[-1]

    cfg = tmp_path / 'cfg.py'
    cfg.write_text("_base_ = 'mmdet::demo/base.py'\n")
    fixed = _run(
        'import mmsal, mmpretrain.models; from mmengine import Config; '
        'print(mmsal.compat.APPLIED, Config.fromfile("cfg.py").marker)',
        tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert 'mmdet_version' in fixed.stdout
    assert 'from mmdet' in fixed.stdout
