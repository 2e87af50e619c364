#!/usr/bin/env bash
# The test command of bitsdo: installs what is missing (tools/setup.sh), then
# configures, builds and tests
#   native: the portable core on the host, under ASan and UBSan;
#   mingw:  bitsdo.dll, its tools and all tests, cross-built with MinGW-w64 and
#           run under Wine in a private prefix (build/<preset>/wineprefix).
# With CI=true the ci-native and ci presets are used instead (adds -Werror).
# Exits non-zero if any configure, build or test step fails.
#
# Usage: tools/test.sh [CTEST ARGS...]     e.g. tools/test.sh -R core_   or   -j2
# Environment:
#   BITSDO_TEST_BUILDS="native mingw"   which builds to run (default: both)
#   BITSDO_SKIP_SETUP=1                 do not run tools/setup.sh first
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

case ${1:-} in -h | --help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;; esac

say() { printf '\n=== test: %s\n' "$*"; }

if [ "${CI:-}" = true ]; then
    prefix=ci
else
    prefix=
fi
preset_for()
{
    case $1 in
        native) [ -n "$prefix" ] && echo ci-native || echo native ;;
        mingw) [ -n "$prefix" ] && echo ci || echo mingw ;;
        *) echo "test: unknown build '$1' in BITSDO_TEST_BUILDS (use native, mingw)" >&2; return 1 ;;
    esac
}
read -r -a builds <<<"${BITSDO_TEST_BUILDS:-native mingw}"
[ ${#builds[@]} -gt 0 ] || { echo "test: BITSDO_TEST_BUILDS is empty" >&2; exit 2; }
for b in "${builds[@]}"; do preset_for "$b" >/dev/null || exit 2; done

# With a filter a build may legitimately match nothing (e.g. -R test_job in the
# native build); without one, a build that has no tests is an error.
if [ $# -eq 0 ]; then
    no_tests=error
else
    no_tests=ignore
fi

if [ "${BITSDO_SKIP_SETUP:-0}" != 1 ]; then
    say "setup (tools/setup.sh)"
    tools/setup.sh
fi

total_passed=0
total_failed=0
status=0
results=()

for b in "${builds[@]}"; do
    preset=$(preset_for "$b")
    start=$SECONDS

    say "$b: configure (cmake --preset $preset)"
    if ! cmake --preset "$preset"; then
        results+=("$b ($preset): configure FAILED, no tests run")
        status=1
        continue
    fi

    say "$b: build (cmake --build --preset $preset)"
    if ! cmake --build --preset "$preset"; then
        results+=("$b ($preset): build FAILED, no tests run")
        status=1
        continue
    fi

    say "$b: test (ctest --preset $preset $*)"
    log=$ROOT/build/$preset/ctest-output.log
    rc=0
    ctest --preset "$preset" --no-tests="$no_tests" "$@" 2>&1 | tee "$log" || rc=$?

    # ctest's own closing line: "95% tests passed, 1 tests failed out of 20".
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
    if [ -n "$summary" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$summary")
        count=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
        passed=$((count - failed))
    else
        passed=0
        failed=0
    fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    if [ $rc -ne 0 ]; then
        status=1
        if [ -n "$summary" ]; then
            results+=("$b ($preset): $passed passed, $failed failed ($((SECONDS - start)) s)")
        else
            results+=("$b ($preset): ctest FAILED (exit $rc), see ${log#"$ROOT"/}")
        fi
    else
        results+=("$b ($preset): $passed passed, $failed failed ($((SECONDS - start)) s)")
    fi
done

if [ $((total_passed + total_failed)) -eq 0 ] && [ $status -eq 0 ]; then
    results+=("no test matched")
    status=1
fi

say "summary"
printf '  %s\n' "${results[@]}"
[ $status -eq 0 ] && printf 'result: OK\n' || printf 'result: FAILED\n'
printf 'tests: %d passed, %d failed\n' "$total_passed" "$total_failed"
exit $status
