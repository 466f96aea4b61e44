"""No ``pkg_resources`` (setuptools >= 82) and ``mmpretrain::`` bases.

mmengine's ``is_installed`` / ``get_installed_path`` import
``pkg_resources``, which setuptools 82 removed; a config whose ``_base_``
is ``'mmpretrain::...'`` then fails to load. Both are re-implemented with
``importlib.metadata`` / ``importlib.util`` and replaced where mmengine
looks them up.
"""
import importlib.metadata
import importlib.util
import os.path as osp

ORIGINAL = {}


def _distribution(package):
    try:
        return importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def is_installed(package: str) -> bool:
    """Whether ``package`` is installed (a distribution or an importable
    module), without ``pkg_resources``."""
    if _distribution(package) is not None:
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None


def get_installed_path(package: str) -> str:
    """The folder of an installed package, without ``pkg_resources``."""
    spec = importlib.util.find_spec(package.replace('-', '_'))
    dist, top = None, []
    if spec is None:
        dist = _distribution(package)
        top = (dist.read_text('top_level.txt') or '').split() if dist else []
        spec = importlib.util.find_spec(top[0]) if top else None
    if spec is None and top:  # installed but blocked (mmdet_version)
        path = osp.abspath(str(dist.locate_file(top[0])))
        if osp.isdir(path):
            return path
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f'package not installed: {package}')
    return osp.dirname(spec.origin)


def is_broken():
    try:
        return importlib.util.find_spec('pkg_resources') is None
    except ImportError:  # e.g. sys.modules['pkg_resources'] = None
        return True


def fix():
    import mmengine.config.config as config_mod
    import mmengine.utils as utils_mod
    import mmengine.utils.package_utils as pkg_mod
    ORIGINAL.setdefault('is_installed', pkg_mod.is_installed)
    ORIGINAL.setdefault('get_installed_path', pkg_mod.get_installed_path)
    for mod in (pkg_mod, utils_mod, config_mod):
        mod.is_installed = is_installed
        mod.get_installed_path = get_installed_path
    try:
        import mmengine.hub.hub as hub_mod
        hub_mod.get_installed_path = get_installed_path
    except ImportError:  # pragma: no cover - hub is optional
        pass
