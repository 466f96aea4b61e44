#!/usr/bin/env bash
# Evaluation on a SLURM cluster, one task per GPU (slurm_train.sh's launch,
# running tools/test.py CONFIG CHECKPOINT):
#   [GPUS=8] bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT \
#       [test.py args...]
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py options]" >&2
    exit 2
fi
MMSAL_TOOL=test.py exec bash "$(dirname "$0")/slurm_train.sh" "$@"
