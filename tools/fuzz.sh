#!/bin/bash
# SPDX-License-Identifier: MIT
# fuzz.sh [SECONDS] [TARGET...]: builds the libFuzzer targets of the portable core (CMake preset
# `fuzz`, clang with ASan and UBSan) and runs each for SECONDS (default 60) on its seed corpus
# (tests/fuzz/corpus/NAME, in the repository) plus what earlier runs found (build/fuzz/corpus/NAME,
# not in the repository). TARGET names (cachehost, jobrec, ...) limit the run to those.
# A finding (a crash, a sanitizer report, a leak, a time-out) is saved as
# build/fuzz/findings/NAME-<kind>-<hash>; the script prints one line per target
# ("NAME: N runs in S s, ok" or "... FINDING <file>") and exits non-zero if any target found one.
# Reproduce a finding: build/fuzz/bin/fuzz_NAME build/fuzz/findings/<file>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
case $seconds in ''|*[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
shift || true

if ! command -v clang >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
        >/dev/null 2>&1; then
    echo "fuzz.sh: clang with libFuzzer is missing: tools/setup.sh installs it" >&2
    tools/setup.sh
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        n=${f#tests/fuzz/fuzz_}
        targets+=("${n%.c}")
    done
fi

mkdir -p build/fuzz/findings
failed=0
for name in "${targets[@]}"; do
    exe=build/fuzz/bin/fuzz_$name
    [ -x "$exe" ] || { echo "$name: no such target ($exe)"; failed=1; continue; }
    work=build/fuzz/corpus/$name
    mkdir -p "$work" "tests/fuzz/corpus/$name"
    log=build/fuzz/$name.log
    before=$(ls build/fuzz/findings | wc -l)
    # -timeout: one input running over 10 s is a finding; rss_limit: 2 GB
    if "$exe" "$work" "tests/fuzz/corpus/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$name-" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "$name: ${runs:-?} runs in $seconds s, ok"
    else
        found=$(ls -t build/fuzz/findings | head -1)
        [ "$(ls build/fuzz/findings | wc -l)" -gt "$before" ] || found="(see $log)"
        echo "$name: FINDING build/fuzz/findings/$found"
        grep -E "ERROR: |SUMMARY: |runtime error" "$log" | head -5 | sed 's/^/    /'
        failed=1
    fi
done
exit $failed
