#!/usr/bin/env bash
# Everything mmsal checks on a GPU machine, in one call of at most ~9 minutes.
#
# Usage: bash benchmarks/gpu_checks.sh OUTDIR [SECONDS]
#
# Run from the repository root (the benchmarks run as `python -m
# benchmarks.NAME`) with mmsal installed (`pip install -e .`) and
# data/demo_scenes present or generatable.
#   0. benchmarks.data_path_gpu: end-to-end img/s from JPEGs with 16
#      workers vs model-only, channels_last and fp16/bf16 against mmpretrain
#      MoCo v2 (OUTDIR/data_path_gpu.json, .log);
#   1. benchmarks.speed_gpu: ResNet-50, 224 px, AMP, MoCo v2 vs SalSSL
#      img/s and the refresh cost (OUTDIR/speed_gpu.json, .log);
#   2. one short AMP training of configs/salssl_demo.py (the --amp path,
#      AmpOptimWrapper and the saliency hook's autocast on CUDA);
#   3. the demo ablation on the GPU: MoCo v2 and SalSSL for seeds 0-2 in
#      parallel (benchmarks.evidence_demo, protocol label: its PROTOCOL
#      plus '-gpu', e.g. demo-v5-gpu),
#      each result appended to OUTDIR/gpu_runs.jsonl as it finishes.
# Parts 2 and 3 stop at SECONDS (default 520) after the start; whatever
# finished is in OUTDIR. Python is ${PY:-python3}.
set -u
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
OUT=$1
LIMIT=${2:-520}
PY=${PY:-python3}
START=$(date +%s)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2
PROTOCOL=$(sed -n "s/^PROTOCOL = '\(.*\)'/\1/p" benchmarks/evidence_demo.py)-gpu
left() { echo $((LIMIT - ($(date +%s) - START))); }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    > "$OUT/nvidia_smi.txt" 2>&1
$PY -c 'import torch, mmengine, mmpretrain, mmsal; print(torch.__version__,
mmengine.__version__, mmpretrain.__version__, torch.cuda.get_device_name())' \
    >> "$OUT/nvidia_smi.txt" 2>&1 || { cat "$OUT/nvidia_smi.txt"; exit 1; }

# 0. data path (GPU and all cores alone)
timeout 240 $PY -m benchmarks.data_path_gpu --workers 16 \
    --out "$OUT/data_path_gpu.json" 2>&1 | tee "$OUT/data_path_gpu.log"
echo "data_path_gpu done after $(( $(date +%s) - START )) s"

# 1. throughput (GPU alone: nothing else runs meanwhile)
OMP_NUM_THREADS=8 timeout 240 $PY -m benchmarks.speed_gpu \
    --out "$OUT/speed_gpu.json" 2>&1 | tee "$OUT/speed_gpu.log"
echo "speed_gpu done after $(( $(date +%s) - START )) s"

# 2. and 3. in parallel; every job stops at the deadline
mkdir -p work_dirs/gpu_checks
jobs_log="$OUT/jobs.log"
timeout "$(left)" $PY tools/train.py configs/salssl_demo.py --amp \
    --work-dir work_dirs/gpu_checks/amp --cfg-options \
    train_cfg.max_epochs=2 > work_dirs/gpu_checks/amp.log 2>&1 &
for seed in 0 1 2; do
  for variant in mocov2 both; do
    timeout "$(left)" $PY -m benchmarks.evidence_demo --variants $variant \
        --seeds $seed --protocol "$PROTOCOL" --work-dir work_dirs/gpu_checks \
        --results "$OUT/gpu_runs.jsonl" --doc "work_dirs/gpu_$variant$seed.md" \
        >> "$jobs_log" 2>&1 &
  done
done
wait
echo "all jobs ended after $(( $(date +%s) - START )) s" | tee -a "$jobs_log"
tail -n 30 work_dirs/gpu_checks/amp.log > "$OUT/amp_train.log"
tar czf "$OUT/logs.tgz" work_dirs/gpu_checks/amp.log \
    $(find work_dirs/gpu_checks -name evidence.log -o -name '*.json' \
      -path '*vis_data*') 2>/dev/null
ls -la "$OUT"
