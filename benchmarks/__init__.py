"""Benchmarks of mmsal: each module here is a script, run from the
repository root as ``python -m benchmarks.NAME --help``.

- ``code_metrics``: size and reach of the code at a git revision;
- ``data_path_cpu``: CPU cost per image of the data workers;
- ``data_path_gpu``: end-to-end GPU training from JPEGs vs model-only;
- ``evidence_demo``: the demo evidence tables (docs/results.md,
  docs/protocol_demo_v6.md);
- ``guidance_table``: every saliency source on one split (docs/guidance.md);
- ``instance_probe_demo``: does a checkpoint tell two views of an image
  apart from others;
- ``online_probe_demo``: crop-level maps projected as the online update does;
- ``precision_cpu``: fp32 against bf16 autocast for CPU inference;
- ``probe_sweep``: a linear probe's lr and epochs, chosen on held-out
  training objects;
- ``speed_cpu``: component speed of the method next to MoCo v2;
- ``speed_gpu``: GPU throughput and the cost of a saliency refresh;
- ``speed_online``: the online saliency update next to the periodic pass;
- ``transfer_det_demo``: detection transfer on the demo scenes.

``benchmarks/gpu_checks.sh`` runs the GPU ones in one call;
``benchmarks/evidence/`` holds what the evidence table's scripts share; the
measured numbers are in ``benchmarks/results/`` (docs/benchmarks.md).
"""
import argparse


def arg_parser(spec, doc):
    """The argument parser of the benchmark whose module spec is ``spec``
    (``__spec__``): its usage names the way to run it, ``python -m
    benchmarks.NAME``; its description is the first line of ``doc``."""
    return argparse.ArgumentParser(
        prog=f'python -m {spec.name}', description=doc.splitlines()[0])
