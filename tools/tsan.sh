#!/bin/bash
# SPDX-License-Identifier: MIT
# tsan.sh [CTEST ARGS...]: builds the portable core and its native tests with ThreadSanitizer
# (CMake preset `tsan`, clang) and runs them: the core's concurrency tests (test_progress,
# test_progmap) and test_stress (many threads on one job's counters, state and progress slot;
# BITSDO_STRESS_MS, default 3000). Exits 77 if clang or its TSan runtime is missing, non-zero on
# any failure or TSan report (TSAN_OPTIONS=halt_on_error=1, from the preset).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v clang >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.a \
        >/dev/null 2>&1; then
    echo "tsan.sh: clang with ThreadSanitizer is missing: skipped" >&2
    exit 77
fi
cmake --preset tsan >/dev/null
cmake --build --preset tsan >/dev/null
ctest --preset tsan "$@"
