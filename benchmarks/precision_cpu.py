"""fp32 against bf16 autocast for CPU inference, and what 'auto' picks.

    python -m benchmarks.precision_cpu [--out precision.json] [--repeats 3]

The saliency refresh is a no-gradient encoder pass; this times the same kind
of pass (torchvision ResNet-18, batch 64, 112 px) in fp32 and under
``torch.autocast('cpu', dtype=torch.bfloat16)``, interleaved (fp32, bf16,
bf16, fp32, ...), and reports the median of each, their ratio, the CPU's
model name, torch's CPU capability and what ``precision='auto'``
(:mod:`mmsal.precision`) chooses on this machine.

To see a CPU without native bf16 on one that has it, cap both torch's and
oneDNN's instruction sets (the same binaries then run AVX2 code)::

    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \\
        python -m benchmarks.precision_cpu
"""
import os
import platform
import statistics
import time

import torch
import torchvision

from benchmarks import arg_parser
from mmsal.precision import cpu_has_native_bf16, describe
from mmsal.records import write_json


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def timed_pass(model, x, dtype):
    start = time.perf_counter()
    with torch.no_grad(), torch.autocast(
            'cpu', dtype=torch.bfloat16, enabled=dtype == 'bf16'):
        model(x)
    return time.perf_counter() - start


def main():
    parser = arg_parser(__spec__, __doc__)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument(
        '--repeats',
        type=int,
        default=3,
        help='timed passes per precision (default 3)')
    parser.add_argument('--out', help='write the numbers as JSON')
    args = parser.parse_args()
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    x = torch.randn(args.batch, 3, args.size, args.size)
    for dtype in ('fp32', 'bf16'):  # warm-up: oneDNN primitives, caches
        print(f'precision: warm-up pass in {dtype} ...', flush=True)
        timed_pass(model, x, dtype)
    times = dict(fp32=[], bf16=[])
    for i in range(args.repeats):
        order = ('fp32', 'bf16') if i % 2 == 0 else ('bf16', 'fp32')
        for dtype in order:
            times[dtype].append(timed_pass(model, x, dtype))
            print(
                f'precision: pass {i + 1}/{args.repeats} in {dtype}: '
                f'{times[dtype][-1]:.2f} s',
                flush=True)
    fp32, bf16 = (statistics.median(times[k]) for k in ('fp32', 'bf16'))
    result = dict(
        cpu=cpu_model(),
        torch=torch.__version__,
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        onednn_max_cpu_isa=os.environ.get('ONEDNN_MAX_CPU_ISA', ''),
        threads=torch.get_num_threads(),
        native_bf16=cpu_has_native_bf16(),
        auto_picks=describe('auto', 'cpu'),
        batch=args.batch,
        size=args.size,
        fp32_s=round(fp32, 3),
        bf16_s=round(bf16, 3),
        bf16_over_fp32=round(bf16 / fp32, 2),
        times=times)
    isa = result['onednn_max_cpu_isa']
    print(f"| {result['cpu']} (torch {result['cpu_capability']}"
          f"{', oneDNN ' + isa if isa else ''}"
          f") | {result['native_bf16']} | {result['fp32_s']:.2f} s | "
          f"{result['bf16_s']:.2f} s | {result['bf16_over_fp32']:.2f}x | "
          f"{result['auto_picks']} |")
    if args.out:
        write_json(args.out, result)
        print(f'precision: wrote {args.out}')


if __name__ == '__main__':
    main()
