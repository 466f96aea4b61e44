"""The transfer extra installs what mmdet and mmseg import: every module a
file of their libraries imports at module level (outside ``try``) is
importable here. Their ``.mim/tools`` scripts (log plots, dataset
converters, serving) are not part of the library and are left out."""
import ast
import importlib.metadata
import importlib.util
import sys
import warnings

import pytest


def unmet_imports(dist, package):
    """``{module: [file, ...]}`` of the top-level imports in ``dist``'s
    library files that cannot be found."""
    try:
        files = importlib.metadata.distribution(dist).files or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f'{dist} is not installed (the transfer extra has it)')
    unmet = {}
    for file in files:
        name = str(file)
        if (file.suffix != '.py' or not name.startswith(package + '/')
                or '/.mim/' in name):
            continue
        with open(file.locate(), encoding='utf-8') as f, \
                warnings.catch_warnings():
            warnings.simplefilter('ignore')  # their invalid escapes
            tree = ast.parse(f.read())
        for node in tree.body:  # module level; imports in try are optional
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or '']
            else:
                continue
            for module in modules:
                top = module.split('.')[0]
                if (top and top != package
                        and top not in sys.stdlib_module_names
                        and importlib.util.find_spec(top) is None):
                    unmet.setdefault(top, []).append(name)
    return unmet


@pytest.mark.parametrize('dist, package', [('mmdet', 'mmdet'),
                                           ('mmsegmentation', 'mmseg')])
def test_everything_the_libraries_import_is_installed(dist, package):
    assert unmet_imports(dist, package) == {}


def test_the_check_finds_an_unmet_import(tmp_path, monkeypatch):
    """The scan sees a module-level import that is missing (ftfy and regex
    were, before the extra listed them)."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *a:
        (None if name == 'regex' else real(name, *a)))
    unmet = unmet_imports('mmsegmentation', 'mmseg')
    assert list(unmet) == ['regex']
    assert 'mmseg/utils/tokenizer.py' in unmet['regex']
