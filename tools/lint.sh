#!/usr/bin/env bash
# Lint as CI does, with mmpretrain's settings (setup.cfg): flake8, isort,
# yapf, then mypy on the typed public API (the files setup.cfg's [mypy]
# lists). Fails on the first tool that reports anything.
# Usage:
#   bash tools/lint.sh          # check
#   bash tools/lint.sh --fix    # sort imports and reformat in place first
set -euo pipefail
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }  # the comment above
[[ "${1:-}" =~ ^(-h|--help)$ ]] && { usage; exit 0; }
cd "$(dirname "$0")/.."
PATHS=(mmsal tools tests benchmarks configs setup.py)
if [[ "${1:-}" == "--fix" ]]; then
    isort -q "${PATHS[@]}"
    yapf -i -r "${PATHS[@]}"
fi
flake8 "${PATHS[@]}"
isort --check-only --diff "${PATHS[@]}"
out=$(yapf --diff -r "${PATHS[@]}" || true)  # yapf exits 1 on a diff
if [[ -n "$out" ]]; then
    echo "$out"
    echo "yapf: the files above are not formatted (bash tools/lint.sh --fix)"
    exit 1
fi
mypy  # the files, and the settings, of setup.cfg's [mypy]
echo "lint: clean (flake8, isort, yapf, mypy)"
