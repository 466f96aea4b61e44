"""The precision of mmsal's no-gradient passes (the saliency refresh).

Low precision pays only where the hardware computes it natively. On a GPU,
bf16 (fp16 where bf16 is not supported) is always faster than fp32. On a
CPU it depends: with AVX512-BF16 or AMX, bf16 autocast runs ResNet inference
about 1.8x faster than fp32; without them (AVX2 only, e.g. many AMD EPYC and
older Xeon machines) torch emulates bf16 and the same pass is about 19x
*slower* than fp32 (docs/benchmarks.md, "Precision").

``precision='auto'`` therefore picks bf16 on CPUs with native bf16, fp32 on
other CPUs, and bf16 / fp16 on GPUs; ``'bf16'``, ``'fp16'`` and ``'fp32'``
force one.
"""
import torch

from .errors import OptionError

PRECISIONS = ('auto', 'bf16', 'fp16', 'fp32')
_DTYPES = dict(bf16=torch.bfloat16, fp16=torch.float16, fp32=None)


def cpu_has_native_bf16():
    """True when the CPU computes bf16 in hardware and torch uses it.

    Needs torch's AVX512 kernels (``ATEN_CPU_CAPABILITY`` not capped below
    them) and the AVX512-BF16 or AMX instructions.
    """
    if torch.backends.cpu.get_cpu_capability() != 'AVX512':
        return False
    for check in ('_is_avx512_bf16_supported', '_is_amx_tile_supported'):
        fn = getattr(torch.cpu, check, None)
        if fn is not None and fn():
            return True
    return False


def check_precision(precision, where):
    """Raise a one-line error naming ``where`` unless ``precision`` is
    one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise OptionError(f'{where}: precision must be one of {PRECISIONS}, '
                          f'got {precision!r}')


def autocast_dtype(precision, device_type):
    """The autocast dtype for ``precision`` on ``device_type`` ('cpu',
    'cuda', ...), or None for plain fp32."""
    check_precision(precision, 'autocast')
    if precision != 'auto':
        return _DTYPES[precision]
    if device_type == 'cuda':
        return (torch.bfloat16
                if torch.cuda.is_bf16_supported() else torch.float16)
    if device_type == 'cpu':
        return torch.bfloat16 if cpu_has_native_bf16() else None
    return None


def autocast(precision, device_type):
    """A ``torch.autocast`` context for ``precision`` (disabled for fp32)."""
    dtype = autocast_dtype(precision, device_type)
    return torch.autocast(
        device_type=device_type,
        dtype=dtype or torch.bfloat16,
        enabled=dtype is not None)


def describe(precision, device_type):
    """``'bf16'`` / ``'fp16'`` / ``'fp32'``: what ``precision`` runs as."""
    dtype = autocast_dtype(precision, device_type)
    return {torch.bfloat16: 'bf16', torch.float16: 'fp16'}.get(dtype, 'fp32')
