"""benchmarks.speed_gpu in its CPU smoke mode: both models train, and the
reported numbers are consistent with each other. fp32 (``--no-amp``): bf16
autocast on a CPU without native bf16 is about 10x slower here, and the
GPU's fp16 path cannot run on a CPU anyway."""
import json
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO


def test_speed_gpu_quick_on_cpu(tmp_path):
    out = tmp_path / 'gpu.json'
    proc = subprocess.run([
        sys.executable, '-m', 'benchmarks.speed_gpu', '--device', 'cpu',
        '--quick', '--no-amp', '--out',
        str(out)
    ],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result['device'] == 'CPU' and result['depth'] == 18
    assert result['amp'] is False
    assert result['moco_img_s'] > 0 and result['salssl_img_s'] > 0
    # the JSON holds 6 significant digits (mmsal.records)
    assert result['ratio'] == pytest.approx(
        result['salssl_img_s'] / result['moco_img_s'], rel=2e-5)
    assert result['train_s_per_10k'] * result['salssl_img_s'] == \
        pytest.approx(10000, rel=2e-5)
    assert result['refresh_s_per_10k'] > 0
    # the markdown table names the device and every row
    assert '| CPU, ResNet-18, 64 px, batch 8, AMP False' in proc.stdout
    assert '| SalSSL / MoCo v2 |' in proc.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a CPU machine')
def test_speed_gpu_refuses_cuda_without_gpu():
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.speed_gpu'],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith(
        'error: --device cuda but no CUDA GPU')
