#!/usr/bin/env bash
# Multi-process evaluation with torchrun (dist_train.sh's launch, running
# tools/test.py CONFIG CHECKPOINT): NCCL on GPUs, gloo on CPU.
#   bash tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE [test.py args...]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NPROC_PER_NODE [tools/test.py options]" >&2
    exit 2
fi
MMSAL_TOOL=test.py MMSAL_CHECKPOINT=$2 exec bash "$(dirname "$0")/dist_train.sh" \
    "$1" "$3" "${@:4}"
