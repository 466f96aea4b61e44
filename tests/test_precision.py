"""The refresh precision follows the hardware (mmsal.precision)."""
import pytest
import torch

from mmsal import precision
from mmsal.engine import SaliencyHook
from mmsal.errors import OptionError


@pytest.mark.parametrize('native, expected', [(True, torch.bfloat16),
                                              (False, None)])
def test_auto_on_cpu_follows_the_bf16_check(monkeypatch, native, expected):
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: native)
    assert precision.autocast_dtype('auto', 'cpu') is expected
    assert precision.describe('auto', 'cpu') == ('bf16' if native else 'fp32')


class _Recorder(torch.nn.Module):
    """A backbone that records the autocast state it runs under."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.seen = []

    def forward(self, x):
        self.seen.append(
            torch.get_autocast_dtype('cpu') if torch.
            is_autocast_enabled('cpu') else None)
        return (self.conv(x), )


class _Model(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = _Recorder()
        self.neck = None

    def data_preprocessor(self, data, training):
        return dict(inputs=[data['inputs'][0].float()])


class _Images:
    pipeline = None

    def __init__(self, paths):
        self.paths = paths

    def get_data_info(self, i):
        return dict(img_path=self.paths[i])


@pytest.mark.parametrize('native', [True, False])
def test_the_refresh_runs_in_the_precision_the_hardware_check_picks(
        monkeypatch, tmp_path, native):
    import cv2
    import numpy as np
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: native)
    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f'{i}.png'))
        cv2.imwrite(paths[-1], np.full((20, 30, 3), 40 * i, np.uint8))
    model = _Model()
    hook = SaliencyHook(
        model_pass=dict(
            precision='auto', encoder='online', input_size=16, num_workers=0),
        map_size=4)
    maps, valid = hook.full_pass(model, _Images(paths), range(3))
    assert maps.shape == (3, 4, 4) and bool(valid.all())
    assert model.backbone.seen == [torch.bfloat16 if native else None]
    forced = SaliencyHook(
        model_pass=dict(
            precision='fp32', encoder='online', input_size=16, num_workers=0),
        map_size=4)
    model.backbone.seen.clear()
    forced.full_pass(model, _Images(paths), range(3))
    assert model.backbone.seen == [None]


def test_auto_computes_in_the_chosen_dtype(monkeypatch):
    layer = torch.nn.Linear(4, 4)
    x = torch.randn(2, 4)
    for native, dtype in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: native)
        with precision.autocast('auto', 'cpu'):
            assert layer(x).dtype == dtype


@pytest.mark.parametrize('forced, dtype', [('bf16', torch.bfloat16),
                                           ('fp16', torch.float16),
                                           ('fp32', None)])
@pytest.mark.parametrize('native', [True, False])
def test_forced_precision_ignores_the_check(monkeypatch, forced, dtype,
                                            native):
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: native)
    assert precision.autocast_dtype(forced, 'cpu') is dtype


def test_auto_on_cuda_prefers_bf16(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    assert precision.autocast_dtype('auto', 'cuda') is torch.bfloat16
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: False)
    assert precision.autocast_dtype('auto', 'cuda') is torch.float16


def test_check_needs_avx512_kernels_and_bf16_instructions(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: 'AVX2')
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: True)
    assert precision.cpu_has_native_bf16() is False  # kernels capped
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: 'AVX512')
    assert precision.cpu_has_native_bf16() is True
    monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported', lambda: False)
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: False)
    assert precision.cpu_has_native_bf16() is False  # AVX512 without bf16
    monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: True)
    assert precision.cpu_has_native_bf16() is True


def test_unknown_precision_is_a_one_line_error():
    with pytest.raises(
            OptionError,
            match="SaliencyHook: model_pass: precision must be "
            "one of "):
        SaliencyHook(model_pass=dict(precision='half'))
