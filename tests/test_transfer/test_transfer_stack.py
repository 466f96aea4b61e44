"""mmsal.transfer.stack: an mmdet / mmseg config on a machine whose mmcv
cannot train it stops with one line naming the package, the mmcv it wants,
what is installed and the fix - not ``KeyError: DetLocalVisualizer``."""
import importlib.metadata
import os.path as osp

import pytest
from mmengine.config import Config

from mmsal.errors import UsageError
from mmsal.transfer import stack
from ..conftest import CONFIGS, run_tool


def _installed(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f'{dist} is not installed (the tests extra has it)')


@pytest.mark.parametrize('scope, dist, package',
                         [('mmdet', 'mmdet', 'mmdet'),
                          ('mmseg', 'mmsegmentation', 'mmseg')])
def test_bounds_come_from_the_package(scope, dist, package):
    _installed(dist)
    low, high = stack.mmcv_bounds(*stack.PACKAGES[scope])
    assert low.startswith('2.') and high.startswith('2.')
    assert (low, high) == ('2.0.0rc4', '2.2.0')  # mmdet 3.3, mmseg 1.2


def _fake_mmcv(monkeypatch, dist, version, ops):
    monkeypatch.setattr(stack, 'installed_mmcv', lambda: (dist, version, ops))


def test_mmcv_lite_is_named_with_its_fix(monkeypatch):
    version = _installed('mmdet')
    _fake_mmcv(monkeypatch, 'mmcv-lite', '2.2.0', False)
    problem = stack.stack_problem('mmdet')
    assert problem.startswith(f'mmdet {version} is installed but cannot be '
                              'used here: it needs full mmcv>=2.0.0rc4,<2.2.0')
    assert 'this environment has mmcv-lite 2.2.0' in problem
    assert ('fix: pip uninstall -y mmcv-lite && pip install '
            '"mmcv>=2.0.0rc4,<2.2.0"') in problem
    assert '\n' not in problem


@pytest.mark.parametrize(
    'mmcv, usable',
    [
        (('mmcv', '2.1.0', True), True),
        (('mmcv', '2.1.0', False), False),  # built without its ops
        (('mmcv', '2.2.0', True), False),  # mmseg asserts < 2.2.0
        (('mmcv', '1.7.2', True), False),
        ((None, None, False), False),
    ])
def test_usable_only_with_full_mmcv_in_range(monkeypatch, mmcv, usable):
    _installed('mmsegmentation')
    _fake_mmcv(monkeypatch, *mmcv)
    problem = stack.stack_problem('mmseg')
    assert (problem is None) == usable
    if mmcv == ('mmcv', '2.1.0', False):
        assert 'mmcv 2.1.0 without its compiled ops' in problem
    if mmcv[0] is None:
        assert 'this environment has no mmcv' in problem


def test_other_scopes_are_not_checked():
    assert stack.stack_problem('mmpretrain') is None
    assert stack.stack_problem(None) is None


def test_missing_package(monkeypatch):
    monkeypatch.setattr(stack, '_version', lambda dist: None)
    assert 'needs mmdet, which is not installed' in stack.stack_problem(
        'mmdet')


def test_train_stops_with_one_line(tmp_path):
    """tools/train.py on the COCO config, here (mmcv-lite): exit 2 and the
    one line, before any work dir is made."""
    _installed('mmdet')
    if stack.stack_problem('mmdet') is None:
        pytest.skip('this machine has a working mmdet stack')
    config = osp.join(CONFIGS, 'benchmarks', 'det_coco_mask_rcnn_fpn_1x.py')
    work_dir = tmp_path / 'work'
    proc = run_tool(['train.py', config, '--work-dir',
                     str(work_dir)],
                    cwd=str(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert 'det_coco_mask_rcnn_fpn_1x.py: mmdet' in lines[0]
    assert 'DetLocalVisualizer' not in proc.stderr
    assert not work_dir.exists()
    # the check reads the config's scope, as the runner would
    assert Config.fromfile(config).default_scope == 'mmdet'
    with pytest.raises(UsageError, match='cannot be used here'):
        stack.check_stack(Config.fromfile(config), config)
