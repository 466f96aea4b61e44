"""tools/check_dataset.py on the bad-image set and on a clean dataset."""
import os.path as osp

from PIL import Image

from ..conftest import run_tool
from ..test_datasets.bad_image_set import (BAD, EXTREME, GOOD, SMALL,
                                           write_bad_images)


def test_lists_every_bad_file_and_fails(tmp_path):
    folder = write_bad_images(tmp_path / 'bad')
    out = tmp_path / 'problems.txt'
    proc = run_tool(['check_dataset.py',
                     str(folder), '--out',
                     str(out)],
                    cwd=str(tmp_path),
                    timeout=120)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    for name, reason in BAD.items():
        hits = [
            ln for ln in lines
            if ln.startswith(f'{osp.join(folder, name)}: error: ')
        ]
        assert len(hits) == 1 and reason in hits[0], (name, lines)
    for name in SMALL:
        assert any(
            ln.startswith(f'{osp.join(folder, name)}: warning: small')
            for ln in lines), name
    for name in EXTREME:
        assert any(
            ln.startswith(f'{osp.join(folder, name)}: warning: extreme '
                          'aspect ratio') for ln in lines), name
    # the odd but readable modes are not problems
    for name in set(GOOD) - set(SMALL) - set(EXTREME):
        assert not any(osp.join(folder, name) in ln for ln in lines), name
    total = len(BAD) + len(GOOD)
    assert (f'checked {total} image(s): {len(BAD)} unreadable, '
            f'{len(SMALL) + len(EXTREME)} suspicious') in proc.stdout
    written = out.read_text().splitlines()
    # the extreme ones are also under 32 px on their short side
    assert len(written) == len(BAD) + len(SMALL) + 2 * len(EXTREME)
    assert written == [
        ln for ln in lines if ': error: ' in ln or ': warning: ' in ln
    ]
    # an existing --out is never overwritten
    again = run_tool(['check_dataset.py',
                      str(folder), '--out',
                      str(out)],
                     cwd=str(tmp_path),
                     timeout=120)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines()[-1] == (
        f'error: --out {out} already exists; not overwriting')
    assert out.read_text().splitlines() == written


def test_clean_config_passes(tmp_path):
    folder = tmp_path / 'clean' / 'images'
    folder.mkdir(parents=True)
    for i in range(3):
        Image.new('RGB', (48, 40), (i * 50, 10, 20)).save(folder / f'{i}.jpg')
    config = tmp_path / 'clean.py'
    config.write_text(
        "default_scope = 'mmpretrain'\n"
        "custom_imports = dict(imports=['mmsal'], allow_failed_imports=False)"
        '\ntrain_dataloader = dict(dataset=dict(\n'
        f"    type='CocoScenes', data_root={str(folder.parent)!r},\n"
        "    img_dir='images', ann_file='',\n"
        "    pipeline=[dict(type='LoadSceneImage', bad_image='skip'),\n"
        "              dict(type='PackInputs')]))\n")
    proc = run_tool(['check_dataset.py', str(config)],
                    cwd=str(tmp_path),
                    timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'checked 3 image(s): 0 unreadable, 0 suspicious' in proc.stdout
    proc = run_tool(
        ['check_dataset.py', str(config), '--split', 'val'],
        cwd=str(tmp_path),
        timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: {config} has no val_dataloader with a dataset; pass a '
        'config with one, or --split')
