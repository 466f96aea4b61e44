"""The configs parse without mmsal's tools and without pkg_resources, and
train with mmpretrain's own tools/train.py."""
import glob
import os
import os.path as osp
import subprocess
import sys

import torch

from ..conftest import CONFIGS, REPO, ok, tiny_config, tiny_loader

# The transfer configs (det_*, seg_*) are built on mmdet:: / mmseg:: bases,
# as the mmdet / mmseg users expect; they parse once mmsal is imported or
# with setuptools < 82 (tests/test_transfer).
ALL = sorted(
    glob.glob(osp.join(CONFIGS, '*.py')) + [
        p for p in glob.glob(osp.join(CONFIGS, 'benchmarks', '*.py'))
        if not osp.basename(p).startswith(('det_', 'seg_'))
    ])

_PARSE = '''
import sys
sys.modules['pkg_resources'] = None  # as setuptools >= 82
from mmengine.config import Config
for path in sys.argv[1:]:
    assert 'mmsal' not in sys.modules, path
    cfg = Config.fromfile(path, import_custom_modules=False)
    assert 'mmpretrain::' not in cfg.filename
    print('parsed', path, cfg.get('model', {}).get('type'))
'''


def _env():
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([REPO,
                                    os.environ.get('PYTHONPATH', '')]),
        OMP_NUM_THREADS='1')


def test_every_config_parses_in_a_bare_interpreter():
    """mmengine resolves _base_ files before custom_imports: a base from
    mmpretrain:: would need pkg_resources (gone from setuptools >= 82)
    before mmsal could fix it. Our configs have their own _base_."""
    proc = subprocess.run([sys.executable, '-c', _PARSE, *ALL],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=_env(),
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count('parsed ') == len(ALL)
    for path in ALL:
        with open(path) as f:
            assert 'mmpretrain::' not in f.read(), path


def test_trains_with_mmpretrain_tools_train(demo_root, tmp_path):
    """mmpretrain's own tools/train.py (what `mim train mmpretrain` runs)
    trains salssl_demo.py: custom_imports brings mmsal in."""
    import mmpretrain
    train_py = osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'train.py')
    cfg = tiny_config(
        tmp_path / 'cfg.py',
        demo_root,
        train_dataloader=tiny_loader(demo_root, num_workers=0),
        default_hooks={},
        saliency_hook=None)
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, train_py, cfg, '--work-dir',
         str(work)],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(),
        cwd=str(tmp_path))
    log = ok(proc)
    assert 'SaliencyHook: refreshed 24 maps before epoch 2' in log
    ckpt = torch.load(
        work / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert bool(ckpt['saliency_store']['valid'].all())
