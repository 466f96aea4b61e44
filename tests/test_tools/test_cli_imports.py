"""The library never imports its command-line module: ``mmsal/cli.py`` is
for ``tools/`` and ``benchmarks/`` only. Every ``.py`` file under
``mmsal/`` is parsed and each import statement resolved (relative ones
against the file's package)."""
import ast
import glob
import os.path as osp

from ..conftest import REPO

CLI = 'mmsal.cli'


def _module_name(path):
    """Dotted name of a file under the repository root."""
    rel = osp.splitext(osp.relpath(path, REPO))[0].split(osp.sep)
    return '.'.join(rel[:-1] if rel[-1] == '__init__' else rel)


def _imported(source, module, is_package=False):
    """The modules an import statement of ``source`` may load (for ``from
    X import y`` both X and X.y), as absolute dotted names."""
    package = module if is_package else module.rpartition('.')[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            found.append(base)
            found += [f'{base}.{alias.name}' for alias in node.names]
        elif (isinstance(node, ast.Constant) and node.value == CLI):
            found.append(CLI)  # importlib.import_module('mmsal.cli')
    return found


def _imports_cli(names):
    return any(n == CLI or n.startswith(CLI + '.') for n in names)


def test_the_checker_sees_each_form():
    for source in ('import mmsal.cli', 'from mmsal.cli import run_cli',
                   'from mmsal import cli', 'from .cli import run_cli',
                   "importlib.import_module('mmsal.cli')"):
        assert _imports_cli(_imported(source, 'mmsal.config')), source
    assert _imports_cli(_imported('from .. import cli', 'mmsal.transfer.x'))
    assert _imports_cli(
        _imported(
            'from ..cli import run_cli', 'mmsal.transfer', is_package=True))
    assert not _imports_cli(_imported('from .cli import x', 'mmsal.models.a'))
    assert not _imports_cli(_imported('import mmsal.config', 'mmsal.a'))


def test_no_library_module_imports_the_cli():
    files = glob.glob(osp.join(REPO, 'mmsal', '**', '*.py'), recursive=True)
    assert osp.join(REPO, 'mmsal', 'cli.py') in files
    offenders = []
    for path in sorted(files):
        module = _module_name(path)
        if module == CLI:
            continue
        with open(path, encoding='utf-8') as f:
            names = _imported(f.read(), module, path.endswith('__init__.py'))
        if _imports_cli(names):
            offenders.append(osp.relpath(path, REPO))
    assert not offenders, f'{offenders} import {CLI}: only tools/ and ' \
        'benchmarks/ may'
