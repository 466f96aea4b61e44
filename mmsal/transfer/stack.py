"""Can the installed mmdet / mmseg train a transfer config here?

mmdet 3.3 and mmsegmentation 1.2 need full mmcv with its compiled ops
(RoIAlign, NMS, ...) in a version range they assert on import. Beside
mmcv-lite 2.2 (what mmsal needs by itself) mmsal blocks the mmdet import
(:mod:`mmsal.compat.mmdet_version`), so a runner built from a transfer
config would stop at ``KeyError: DetLocalVisualizer``. :func:`check_stack`
says instead, in one line, which package wants which mmcv and what fixes
it, before anything is built. The range is read from the package's own
``__init__.py`` (without importing it), so it follows the installed
version.
"""
import ast
import importlib.metadata
import importlib.util

from ..errors import UsageError

#: config scope: (distribution, package, names of its mmcv bounds)
PACKAGES = {
    'mmdet':
    ('mmdet', 'mmdet', ('mmcv_minimum_version', 'mmcv_maximum_version')),
    'mmseg': ('mmsegmentation', 'mmseg', ('MMCV_MIN', 'MMCV_MAX')),
}
INSTALL_DOC = 'docs/transfer.md, "Install"'


def _version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def mmcv_bounds(dist, package, names):
    """``(minimum, maximum)`` mmcv versions that ``package`` accepts
    (``minimum <= mmcv < maximum``), from its ``__init__.py``."""
    path = importlib.metadata.distribution(dist).locate_file(
        f'{package}/__init__.py')
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    found = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in names
                and isinstance(node.value, ast.Constant)):
            found[node.targets[0].id] = node.value.value
    return found.get(names[0]), found.get(names[1])


def installed_mmcv():
    """``(distribution, version, has compiled ops)``; ``(None, None,
    False)`` without mmcv."""
    for dist in ('mmcv', 'mmcv-lite'):
        version = _version(dist)
        if version:
            ops = (
                dist == 'mmcv'
                and importlib.util.find_spec('mmcv._ext') is not None)
            return dist, version, ops
    return None, None, False


def stack_problem(scope):
    """Why the ``scope`` package ('mmdet', 'mmseg') cannot train here, in
    words, or None when it can (or the scope is another one)."""
    from mmengine.utils import digit_version
    if scope not in PACKAGES:
        return None
    dist, package, names = PACKAGES[scope]
    version = _version(dist)
    if version is None:
        return (f"default_scope {scope!r} needs {dist}, which is not "
                'installed: pip install -e ".[transfer]" '
                f'({INSTALL_DOC})')
    low, high = mmcv_bounds(dist, package, names)
    mmcv, mmcv_version, ops = installed_mmcv()
    in_range = mmcv_version is not None and (
        (low is None or digit_version(mmcv_version) >= digit_version(low)) and
        (high is None or digit_version(mmcv_version) < digit_version(high)))
    if mmcv == 'mmcv' and ops and in_range:
        return None
    wanted = f'mmcv>={low},<{high}' if low and high else 'mmcv'
    found = (f'{mmcv} {mmcv_version}' +
             ('' if mmcv != 'mmcv' or ops else ' without its compiled ops')
             if mmcv else 'no mmcv')
    remove = 'pip uninstall -y mmcv-lite && ' if mmcv == 'mmcv-lite' else ''
    return (f'{dist} {version} is installed but cannot be used here: it '
            f'needs full {wanted} with its compiled ops, this environment '
            f'has {found}; fix: {remove}pip install "{wanted}" (built '
            f'against this torch: {INSTALL_DOC})')


def check_stack(cfg, source):
    """Raise :class:`UsageError` naming ``source`` (the config file) when
    the package of the config's ``default_scope`` cannot train here."""
    problem = stack_problem(cfg.get('default_scope'))
    if problem:
        raise UsageError(f'{source}: {problem}')
