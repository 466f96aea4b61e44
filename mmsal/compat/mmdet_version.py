"""mmdet 3.3 next to mmcv(-lite) 2.2.

mmdet refuses to be imported beside mmcv >= 2.2 (an ``assert`` in
``mmdet/__init__.py``), and mmpretrain imports mmdet as an optional extra
(``ResLayerExtraNorm``) catching only ``ImportError``: with mmdet installed
for the transfer configs, ``import mmpretrain.models`` fails with that
``AssertionError``. The fix marks mmdet as not importable in this process
(``sys.modules['mmdet'] = None``: the next ``import mmdet`` raises
``ImportError``), so mmpretrain skips its mmdet part. mmdet's configs still
resolve (``mmdet::`` bases: :mod:`mmsal.compat.package_utils` finds the
package without importing it). It must run before ``mmpretrain.models`` is
imported. Training detectors needs full mmcv < 2.2 anyway
(``docs/transfer.md``), where nothing is broken and nothing is changed.
"""
import importlib.util
import sys

ORIGINAL = {}


def is_broken():
    if 'mmpretrain.models' in sys.modules or sys.modules.get('mmdet',
                                                             False) is None:
        return False  # too late, or already fixed
    try:
        if importlib.util.find_spec('mmdet') is None:
            return False
        import mmdet  # noqa: F401
    except AssertionError:
        return True
    except ImportError:  # e.g. no mmcv at all: mmpretrain copes
        return False
    return False


def fix():
    ORIGINAL['mmdet'] = sys.modules.get('mmdet')
    sys.modules['mmdet'] = None
