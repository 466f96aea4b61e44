import json
import os.path as osp
import subprocess
import sys

from ..conftest import TOOLS


def _run(*args):
    return subprocess.run(
        [sys.executable,
         osp.join(TOOLS, 'make_demo_data.py'), *args],
        capture_output=True,
        text=True,
        timeout=120)


def test_writes_settings_and_refuses_existing(tmp_path):
    out = str(tmp_path / 'demo')
    args = [
        out, '--num-train', '5', '--num-val', '2', '--image-size', '48',
        '--objects-per-class', '1', '1', '--seed', '7', '--background', 'calm'
    ]
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    with open(osp.join(out, 'demo_meta.json')) as f:
        meta = json.load(f)
    assert meta['num_train'] == 5 and meta['seed'] == 7
    assert meta['background'] == 'calm'
    assert meta['objects_per_class'] == [1, 1]
    with open(osp.join(out, 'annotations', 'instances_val2017.json')) as f:
        assert len(json.load(f)['images']) == 2
    # a retry with the same settings reuses the folder
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    assert 'already holds the demo data with these settings' in proc.stdout
    # other settings: refused in one line, nothing touched
    proc = _run(*args[:-1], 'clutter')
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: demo data: {out} was generated with '
                           'other settings')
    with open(osp.join(out, 'demo_meta.json')) as f:
        assert json.load(f) == meta


def test_preset_v6_and_its_option_checks(tmp_path):
    out = str(tmp_path / 'v6')
    args = [
        out, '--preset', 'v6', '--num-train', '3', '--num-val', '1',
        '--objects-per-class', '1', '1', '--num-backgrounds', '4'
    ]
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    with open(osp.join(out, 'demo_meta.json')) as f:
        meta = json.load(f)
    assert meta['generator'] == 'v6' and meta['background'] == 'pool'
    assert meta['image_size'] == 96 and meta['num_backgrounds'] == 4
    with open(osp.join(out, 'annotations', 'instances_val2017.json')) as f:
        assert all('segmentation' in a for a in json.load(f)['annotations'])
    # the preset's own options are checked: a v6 pool needs 'pool'
    proc = _run(
        str(tmp_path / 'bad'), '--preset', 'v6', '--background', 'calm')
    assert proc.returncode == 2
    assert "set background='pool'" in proc.stderr.strip().splitlines()[-1]
    assert not osp.exists(tmp_path / 'bad')
