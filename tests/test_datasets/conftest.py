"""Fixtures of the dataset tests: the bad-image set on disk and a log
recorder."""
import logging
from types import SimpleNamespace

import pytest
from mmengine.logging import MMLogger

from .bad_image_set import _IDS, write_bad_images


@pytest.fixture(scope='module')
def bad_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_images')
    write_bad_images(root / 'images')
    return root


@pytest.fixture
def logs():
    """Records of the current MMLogger (where LoadSceneImage warns)."""
    logger = MMLogger.get_instance(f'test_bad_images_{next(_IDS)}')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    yield SimpleNamespace(logger=logger, records=records)
    logger.removeHandler(handler)
