"""The docs stay true: every tools/, benchmarks/ and configs/ path named in
README.md and docs/*.md exists, and every ``--option`` named for a script
is one that script accepts (read from its source, and from the shared
parsers it uses)."""
import glob
import os.path as osp
import re

import pytest

from .conftest import REPO

DOCS = [osp.join(REPO, 'README.md')] + sorted(
    glob.glob(osp.join(REPO, 'docs', '*.md')))
PATH = re.compile(r'(?<![\w/.-])((?:tools|benchmarks|configs)/[\w./-]*\w'
                  r'\.(?:py|sh|jsonl|json))(?!\w)')
SCRIPT = re.compile(r'(?<![\w/.-])((?:tools|benchmarks)/[\w/-]+\.(?:py|sh)'
                    r'|-m benchmarks\.\w+)')
OPTION = re.compile(r'(?<![\w-])(--[a-z][\w-]*)')
# shared parsers: a script that uses one accepts its options
SHARED = {
    'parse_launch_args': 'mmsal/cli.py',
    'arg_parser': 'benchmarks/__init__.py'
}


def _lines():
    for doc in DOCS:
        with open(doc) as f:
            for number, line in enumerate(f, 1):
                yield osp.relpath(doc, REPO), number, line


def _script_path(mention):
    if mention.startswith('-m '):
        return mention[3:].replace('.', '/') + '.py'
    return mention


def _accepted(script, seen=None):
    """Options ``script`` (a path under the repository) accepts."""
    seen = set() if seen is None else seen
    if script in seen:
        return set()
    seen.add(script)
    with open(osp.join(REPO, script)) as f:
        src = f.read()
    found = set(re.findall(r'''['"](--[a-z][\w-]*)['"=]''', src))
    found |= set(re.findall(r'(?m)^\s*(--[a-z][\w-]*)\)', src))  # case arms
    found.add('--help')
    for name, shared in SHARED.items():
        if name in src and shared != script:
            found |= _accepted(shared, seen)
    if script.endswith('.sh'):  # launchers forward the rest to the tool
        for tool in re.findall(r'\b(\w+\.py)\b', src):
            if osp.exists(osp.join(REPO, 'tools', tool)):
                found |= _accepted(f'tools/{tool}', seen)
    return found


def test_every_named_path_exists():
    missing = [
        f'{doc}:{n}: {path}' for doc, n, line in _lines()
        for path in PATH.findall(line)
        if not re.search(r'[A-Z]{3,}', path)  # placeholders: tools/NAME.py
        and not osp.exists(osp.join(REPO, path))
    ]
    assert not missing, '\n'.join(missing)


def test_benchmarks_are_run_as_modules():
    # ``python benchmarks/x.py`` cannot import its own package
    wrong = [
        f'{doc}:{n}' for doc, n, line in _lines()
        if re.search(r'python3? benchmarks/\w+\.py', line)
    ]
    assert not wrong, wrong


def test_every_named_option_is_accepted():
    bad = []
    section = None  # the script a section names last: its option tables
    table = False  # inside a table whose first column is 'option' or 'flag'
    for doc, n, line in _lines():
        if line.startswith('#'):
            section = None
        table = line.startswith(
            ('| option |', '| flag |')) or (table and line.startswith('|'))
        row = re.match(r'\| `(--[a-z][\w-]*)', line)
        if table and row and section and row.group(1) not in _accepted(
                section):
            bad.append(f'{doc}:{n}: {section} {row.group(1)} (table)')
        mentions = list(SCRIPT.finditer(line))
        if mentions and not line.startswith('|') and osp.exists(
                osp.join(REPO, _script_path(mentions[-1].group(1)))):
            section = _script_path(mentions[-1].group(1))
        for i, m in enumerate(mentions):
            script = _script_path(m.group(1))
            if not osp.exists(osp.join(REPO, script)):
                continue  # test_every_named_path_exists says so
            end = mentions[i +
                           1].start() if i + 1 < len(mentions) else len(line)
            # the options of this command: up to the end of its code span
            command = line[m.end():end].split('`')[0]
            for option in OPTION.findall(command):
                if option not in _accepted(script):
                    bad.append(f'{doc}:{n}: {script} {option}')
    assert not bad, '\n'.join(bad)


@pytest.mark.parametrize(
    'script,option,ok',
    [
        ('tools/train.py', '--work-dir', True),
        ('tools/train.py', '--cfg-options', True),  # from mmsal/cli.py
        ('tools/dist_train.sh', '--resume', True),  # forwarded to train.py
        ('tools/train.py', '--no-such-option', False),
    ])
def test_the_checker_reads_parsers(script, option, ok):
    assert (option in _accepted(script)) is ok
