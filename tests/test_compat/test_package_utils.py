"""compat.package_utils: configs with mmpretrain:: bases, no pkg_resources."""
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from mmsal.compat import package_utils

MMPRETRAIN_BASE = ("_base_ = 'mmpretrain::mocov2/"
                   "mocov2_resnet50_8xb32-coslr-200e_in1k.py'\n")


def test_config_inheritance_without_pkg_resources(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)  # setuptools>=82
    assert package_utils.is_broken()
    if package_utils.ORIGINAL:  # the installed setuptools has none either
        with pytest.raises(ImportError):
            package_utils.ORIGINAL['is_installed']('mmpretrain')
    assert package_utils.is_installed('mmpretrain')
    assert not package_utils.is_installed('surely_not_a_package_xyz')
    path = package_utils.get_installed_path('mmpretrain')
    assert osp.isfile(osp.join(path, '__init__.py'))
    package_utils.fix()  # idempotent; needed when pkg_resources was found
    cfg_file = tmp_path / 'user_cfg.py'
    cfg_file.write_text(MMPRETRAIN_BASE)
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.type == 'MoCo'  # inherited from mmpretrain::
