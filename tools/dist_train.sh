#!/usr/bin/env bash
# Multi-process training with torchrun (DDP): NCCL on GPUs, gloo on CPU.
# Usage: bash tools/dist_train.sh CONFIG NPROC_PER_NODE [train.py args...]
# Several nodes: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
# tools/dist_test.sh runs the same launch for tools/test.py (MMSAL_TOOL,
# with the checkpoint in MMSAL_CHECKPOINT).
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
TOOL=${MMSAL_TOOL:-train.py}
[ $# -ge 2 ] || { usage >&2; exit 2; }
CONFIG=$1
NPROC=$2
shift 2
TARGET=()
if [ -n "${MMSAL_CHECKPOINT:-}" ]; then TARGET=("$MMSAL_CHECKPOINT"); fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
DIR=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}

PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m mmsal.launch \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$DIR/$TOOL" "$CONFIG" "${TARGET[@]}" --launcher pytorch "$@"
