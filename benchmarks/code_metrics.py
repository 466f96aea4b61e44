"""Size and reach of the code at a git revision: what a maintainer meets.

    python -m benchmarks.code_metrics                 # the working tree
    python -m benchmarks.code_metrics --rev 3fd1210   # a commit
    python -m benchmarks.code_metrics --rev A --rev B --markdown

Per revision, over the Python files of mmsal/, tools/ and benchmarks/:

- files over 300 lines;
- the largest function or method (lines, name);
- the files a newcomer opens to follow one saliency score from the store
  to the loss: the modules that define the method's classes
  (SaliencyStore, SaliencyHook, SaliencyCrop, SaliencyMultiView, SalSSL,
  SaliencyReweightedContrastiveHead) and every mmsal module they import,
  transitively (package ``__init__`` files not counted);
- with ``--duplicates CMD`` (a command printing "N pairs of places" for
  the tree it runs in, e.g. ``duplicates``), its pair count.
"""
import ast
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile

from benchmarks import arg_parser
from mmsal.cli import run_cli
from mmsal.errors import UsageError

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
METHOD_CLASSES = ('SaliencyStore', 'SaliencyHook', 'SaliencyCrop',
                  'SaliencyMultiView', 'SalSSL',
                  'SaliencyReweightedContrastiveHead')
FOLDERS = ('mmsal', 'tools', 'benchmarks')


def python_files(root):
    for folder in FOLDERS:
        for dirpath, _, names in os.walk(osp.join(root, folder)):
            for name in sorted(names):
                if name.endswith('.py'):
                    yield osp.relpath(osp.join(dirpath, name), root)


def module_of(path):
    """``mmsal/saliency/store.py`` -> ``mmsal.saliency.store``."""
    mod = path[:-3].replace(os.sep, '.')
    return mod[:-len('.__init__')] if mod.endswith('.__init__') else mod


def imported_modules(tree, module, is_package):
    """Absolute names of the mmsal modules ``tree`` imports."""
    base = module.split('.') if is_package else module.split('.')[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base[:len(base) - node.level + 1]
                prefix = '.'.join(parts +
                                  ([node.module] if node.module else []))
            else:
                prefix = node.module or ''
            out.add(prefix)
            out.update(f'{prefix}.{a.name}' for a in node.names)
    return {m for m in out if m.startswith('mmsal')}


def metrics(root):
    trees, lines = {}, {}
    for path in python_files(root):
        with open(osp.join(root, path), encoding='utf-8') as f:
            text = f.read()
        trees[path] = ast.parse(text)
        lines[path] = text.count('\n')
    long_files = sorted(p for p, n in lines.items() if n > 300)
    largest = (0, '')
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                largest = max(largest, (size, f'{path}:{node.name}'))
    by_module = {module_of(p): p for p in trees if p.startswith('mmsal')}
    todo = [
        p for p, tree in trees.items() if p.startswith('mmsal') and any(
            isinstance(n, ast.ClassDef) and n.name in METHOD_CLASSES
            for n in ast.walk(tree))
    ]
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        mods = imported_modules(trees[path], module_of(path),
                                path.endswith('__init__.py'))
        todo += [by_module[m] for m in mods if m in by_module]
    follow = sorted(p for p in seen if not p.endswith('__init__.py'))
    return dict(
        files=len(trees),
        long_files=long_files,
        largest=largest,
        follow=follow)


def duplicate_pairs(root, command):
    out = subprocess.run(
        command, shell=True, cwd=root, capture_output=True, text=True).stdout
    found = re.search(r'(\d+) pairs? of places', out)
    return int(found.group(1)) if found else 0


def check_revision(rev):
    """Stop with one line unless ``rev`` names a commit of this
    repository."""
    found = subprocess.run(
        ['git', 'rev-parse', '--verify', '--quiet', f'{rev}^{{commit}}'],
        cwd=REPO,
        capture_output=True)
    if found.returncode:
        raise UsageError(f'--rev {rev}: no such git revision in {REPO}')


def checkout(rev, into):
    """The tree of ``rev``, extracted under ``into`` (a git repository, so
    tools that list tracked files work there)."""
    subprocess.run(['git', 'worktree', 'add', '--detach', into, rev],
                   cwd=REPO,
                   check=True,
                   capture_output=True)
    return into


def main():
    p = arg_parser(__spec__, __doc__)
    p.add_argument(
        '--rev',
        action='append',
        default=[],
        help='git revision (repeatable); none: the working tree')
    p.add_argument(
        '--duplicates',
        metavar='CMD',
        help='command that counts duplicate pairs in a tree')
    p.add_argument(
        '--markdown', action='store_true', help='one table row per revision')
    args = p.parse_args()
    for rev in args.rev:
        check_revision(rev)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, rev in enumerate(args.rev or [None]):
            root = REPO if rev is None else checkout(rev, osp.join(
                tmp, str(i)))
            try:
                m = metrics(root)
                if args.duplicates:
                    # stderr: stdout stays the report (--markdown rows)
                    print(
                        f'code_metrics: {rev or "working tree"}: running '
                        f'{args.duplicates} ...',
                        file=sys.stderr,
                        flush=True)
                    m['pairs'] = duplicate_pairs(root, args.duplicates)
            finally:
                if rev is not None:
                    subprocess.run(
                        ['git', 'worktree', 'remove', '--force', root],
                        cwd=REPO,
                        capture_output=True)
            rows.append((rev or 'working tree', m))
    for rev, m in rows:
        if args.markdown:
            print(f"| {rev} | {m['files']} | {len(m['long_files'])} | "
                  f"{m.get('pairs', '-')} | {m['largest'][0]} "
                  f"(`{m['largest'][1]}`) | {len(m['follow'])} |")
            continue
        print(f'== {rev}: {m["files"]} Python files')
        print(f'files over 300 lines ({len(m["long_files"])}): ' +
              ', '.join(m['long_files']))
        print(f'largest function: {m["largest"][0]} lines, '
              f'{m["largest"][1]}')
        if 'pairs' in m:
            print(f'duplicate pairs: {m["pairs"]}')
        print(f'files to follow a score ({len(m["follow"])}): ' +
              ', '.join(m['follow']))


if __name__ == '__main__':
    run_cli(main)
