#!/usr/bin/env bash
# Training on a SLURM cluster, one task per GPU.
# Usage: [GPUS=16] [GPUS_PER_NODE=8] bash tools/slurm_train.sh PARTITION \
#            JOB_NAME CONFIG WORK_DIR [train.py args...]
# tools/slurm_test.sh runs the same launch for tools/test.py (MMSAL_TOOL).
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
TOOL=${MMSAL_TOOL:-train.py}
[ $# -ge 4 ] || { usage >&2; exit 2; }
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
if [ "$TOOL" = train.py ]; then TARGET=(--work-dir="$4"); else TARGET=("$4"); fi
shift 4
GPUS=${GPUS:-8}
# one node of min(GPUS, 8) GPUs unless told otherwise
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
DIR=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}

PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$DIR/$TOOL" "$CONFIG" "${TARGET[@]}" --launcher=slurm "$@"
