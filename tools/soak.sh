#!/bin/bash
# SPDX-License-Identifier: MIT
# soak.sh [RUNS] [SEED]: the randomized network fault soak (tests/soak.c) for RUNS runs (default
# 1000) from SEED (default: the time), against the fault server, through ctest's fixtures in
# build/ci (set up and built by tools/test.sh or `cmake --preset ci && cmake --build --preset ci`).
# Prints one line per broken run (seed, run, scenario, what broke) and "N passed, M failed" last;
# exits non-zero if any run broke. Rerun one broken run: tools/soak.sh 1 SEED after noting its
# run number, or BITSDO_SOAK_RUNS/BITSDO_SOAK_SEED with build/ci/bin/soak.exe.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${1:-1000}
seed=${2:-$(date +%s)}
build=${BITSDO_SOAK_BUILD:-build/ci}
case $runs$seed in *[!0-9]*) echo "usage: tools/soak.sh [RUNS] [SEED]" >&2; exit 2 ;; esac
[ -x "$build/bin/soak.exe" ] || { echo "soak.sh: $build/bin/soak.exe is missing: build $build first" >&2; exit 2; }
echo "soak: $runs runs from seed $seed"
log=$build/soak-$seed.log
rc=0
BITSDO_SOAK_RUNS=$runs BITSDO_SOAK_SEED=$seed ctest --test-dir "$build" -R '^test_soak$' -V \
    >"$log" 2>&1 || rc=$?
sed -n 's/^[0-9]*: //p' "$log" | grep -E '^(BROKEN|[0-9]+ passed, |\| )' || { tail -n 30 "$log"; rc=1; }
exit $rc
