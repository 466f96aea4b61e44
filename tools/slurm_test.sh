#!/usr/bin/env bash
# Evaluation on a SLURM cluster, one task per GPU (slurm_train.sh's launch,
# running tools/test.py CONFIG CHECKPOINT).
# Usage: [GPUS=8] bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG \
#            CHECKPOINT [test.py args...]
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
[ $# -ge 4 ] || { usage >&2; exit 2; }
MMSAL_TOOL=test.py exec bash "$(dirname "$0")/slurm_train.sh" "$@"
