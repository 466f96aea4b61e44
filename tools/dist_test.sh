#!/usr/bin/env bash
# Multi-process evaluation with torchrun (dist_train.sh's launch, running
# tools/test.py CONFIG CHECKPOINT): NCCL on GPUs, gloo on CPU.
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT NPROC_PER_NODE \
#            [test.py args...]
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
[ $# -ge 3 ] || { usage >&2; exit 2; }
MMSAL_TOOL=test.py MMSAL_CHECKPOINT=$2 exec bash "$(dirname "$0")/dist_train.sh" \
    "$1" "$3" "${@:4}"
