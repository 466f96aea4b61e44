"""benchmarks.data_path_cpu and data_path_gpu (CPU smoke mode): the
pipelines they time are the shipped recipes', and their numbers agree with
each other."""
import json
import subprocess
import sys

import numpy as np
from PIL import Image

from ..conftest import REPO


def _run(module, *args):
    return subprocess.run(
        [sys.executable, '-m', f'benchmarks.{module}', *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600)


def test_worker_cost_device_path_does_less(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        img = rng.integers(0, 256, (120, 160, 3), np.uint8)
        Image.fromarray(img).save(tmp_path / f'{i}.jpg', quality=90)
    out = tmp_path / 'cpu.json'
    proc = _run('data_path_cpu', '--photos', str(tmp_path), '--rounds', '1',
                '--out', str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = result['pipelines']
    assert rows['mmpretrain MoCo v2']['ratio_to_mmpretrain'] == 1.0
    for recipe in ('mocov2_coco', 'salssl_coco'):
        cpu = rows[f'{recipe}, augment_on=cpu']['ms_per_image']
        device = rows[f'{recipe}, augment_on=device']['ms_per_image']
        assert 0 < device < cpu
    assert result['batched_ops_on_this_cpu_ms_per_image'] > 0
    empty = _run('data_path_cpu', '--photos', str(tmp_path / 'none'))
    assert empty.returncode != 0
    assert empty.stderr.strip().splitlines()[-1].startswith('--photos: no')


def test_gpu_data_path_quick_on_cpu(tmp_path):
    out = tmp_path / 'gpu.json'
    proc = _run('data_path_gpu', '--device', 'cpu', '--quick', '--out',
                str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    ips = result['model_only_img_s']
    assert set(ips) == {
        'MoCo v2 (mmpretrain), fp32', 'SalSSL, fp32',
        'SalSSL, fp32, channels_last'
    }
    assert result['best'].startswith('SalSSL') and min(ips.values()) > 0

    def close(a, b):  # the figures are rounded to 0.1 img/s
        return abs(a - b) <= 0.05 * b

    assert close(result['best_vs_mmpretrain_mocov2'],
                 ips[result['best']] / ips['MoCo v2 (mmpretrain), fp32'])
    assert close(result['end_to_end_vs_model_only'],
                 result['end_to_end_img_s'] / ips[result['best']])
