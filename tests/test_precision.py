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
    ctx = SaliencyHook(precision='auto')._autocast(torch.nn.Linear(2, 2))
    assert ctx._enabled is (expected is not None)
    if expected is not None:
        assert ctx.fast_dtype == expected
    assert precision.describe('auto', 'cpu') == ('bf16' if native else 'fp32')


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
    with pytest.raises(OptionError, match="SaliencyHook: precision must be "
                       "one of .*got 'half'"):
        SaliencyHook(precision='half')
