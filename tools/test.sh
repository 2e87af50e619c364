#!/usr/bin/env bash
# The test command of bitsdo: installs what is missing (tools/setup.sh), then
# configures, builds and tests
#   native:   the portable core on the host, under ASan and UBSan;
#   native32: the same as 32-bit code (-m32), under qemu-i386 where the kernel
#             cannot run 32-bit programs (ASan there without LeakSanitizer);
#   mingw:    bitsdo.dll, its tools and all tests, cross-built with MinGW-w64
#             for x64 and run under Wine in a private prefix (build/<preset>/wineprefix);
#   mingw32:  the same for x86 (32-bit), in the WoW64 half of its own win64 prefix.
# With CI=true the ci-* presets are used instead (adds -Werror). Where this
# kernel cannot run 32-bit programs (tools/can-run-32bit.sh), mingw32 is built
# and only its host-side checks (label "host") run; its Wine tests are
# reported as SKIPPED, and so is native32 without gcc -m32 or qemu-i386.
# Exits non-zero if any configure, build or test step fails.
#
# Usage: tools/test.sh [CTEST ARGS...]     e.g. tools/test.sh -R core_   or   -j2
# Environment:
#   BITSDO_TEST_BUILDS="native native32 mingw mingw32"   which builds to run (default: all)
#   BITSDO_SKIP_SETUP=1                 do not run tools/setup.sh first
#   BITSDO_REQUIRE_32BIT=1              a skipped 32-bit part is a failure
#   BITSDO_FUZZ_SECONDS=30              then runs each libFuzzer target (tools/fuzz.sh) this long;
#                                       0 skips it (so do CTEST ARGS)
#   BITSDO_TSAN=1                       then the core's tests under ThreadSanitizer (tools/tsan.sh,
#                                       about 10 s; skipped without clang); 0 skips it (so do CTEST ARGS)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

case ${1:-} in -h | --help) sed -n '2,26s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;; esac

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
        native32) [ -n "$prefix" ] && echo ci-native32 || echo native32 ;;
        mingw) [ -n "$prefix" ] && echo ci || echo mingw ;;
        mingw32) [ -n "$prefix" ] && echo ci32 || echo mingw32 ;;
        *) echo "test: unknown build '$1' in BITSDO_TEST_BUILDS (use native, native32, mingw, mingw32)" >&2
           return 1 ;;
    esac
}
read -r -a builds <<<"${BITSDO_TEST_BUILDS:-native native32 mingw mingw32}"
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
overall_start=$SECONDS

can_run_32=0
tools/can-run-32bit.sh && can_run_32=1
# The kernel runs 32-bit programs, but Wine's 32-bit half did not install
# (tools/setup.sh says why): the 32-bit Wine tests cannot run.
no_wine32=0
[ $can_run_32 -eq 1 ] && [ ! -x /usr/lib/wine/wine ] && no_wine32=1

# skip_part BUILD PRESET REASON: records a part that cannot run here.
skip_part()
{
    results+=("$1 ($2): SKIPPED, $3")
    if [ "${BITSDO_REQUIRE_32BIT:-0}" = 1 ]; then
        status=1
    fi
}

for b in "${builds[@]}"; do
    preset=$(preset_for "$b")
    start=$SECONDS
    host_only=0

    case $b in
        native32)
            if ! printf 'int main(void) { return 0; }\n' | gcc -m32 -x c - -o /dev/null >/dev/null 2>&1; then
                say "$b: skipped: gcc -m32 cannot link (gcc-multilib is not installed)"
                skip_part "$b" "$preset" "gcc -m32 cannot link (no gcc-multilib)"
                continue
            fi
            if [ $can_run_32 -eq 0 ] && ! command -v qemu-i386 >/dev/null 2>&1; then
                say "$b: skipped: this kernel cannot run 32-bit programs and qemu-i386 is missing"
                skip_part "$b" "$preset" "kernel cannot run 32-bit programs, no qemu-i386 (qemu-user)"
                continue
            fi
            ;;
        mingw32)
            [ $can_run_32 -eq 1 ] || host_only=1
            if [ $no_wine32 -eq 1 ]; then
                host_only=1
                skip_part "$b" "$preset" "Wine tests: wine32:i386 is not installed (tools/setup.sh could not install it)"
            fi
            ;;
    esac

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

    extra=()
    if [ $host_only -eq 1 ]; then
        # No 32-bit program runs here: only the checks that run on the host
        # (IDL layout, imports and exports of the 32-bit DLL).
        extra=(-L host)
        say "$b: no 32-bit program can run here (kernel, or wine32 missing): only the host-side checks (ctest -L host)"
    fi
    say "$b: test (ctest --preset $preset ${extra[*]} $*)"
    log=$ROOT/build/$preset/ctest-output.log
    rc=0
    ctest --preset "$preset" --no-tests="$no_tests" "${extra[@]}" "$@" 2>&1 | tee "$log" || rc=$?

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
    if [ $host_only -eq 1 ]; then
        skip_part "$b" "$preset" "its Wine tests: this kernel cannot run 32-bit programs (built, host checks above)"
    fi
done

# The libFuzzer targets of the portable core, briefly (tools/fuzz.sh runs them longer).
fuzz_seconds=${BITSDO_FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" != 0 ] && [ $# -eq 0 ]; then
    say "fuzz: tools/fuzz.sh $fuzz_seconds"
    start=$SECONDS
    if tools/fuzz.sh "$fuzz_seconds"; then
        results+=("fuzz: every target ${fuzz_seconds} s without a finding ($((SECONDS - start)) s)")
    else
        results+=("fuzz: FINDING or failure, see above and build/fuzz/findings")
        status=1
    fi
fi

# The core's concurrency under ThreadSanitizer (cheap: about 10 s), where clang has TSan.
if [ "${BITSDO_TSAN:-1}" != 0 ] && [ $# -eq 0 ]; then
    say "tsan: tools/tsan.sh"
    start=$SECONDS
    rc=0
    tools/tsan.sh || rc=$?
    if [ $rc -eq 0 ]; then
        results+=("tsan: core tests under ThreadSanitizer passed ($((SECONDS - start)) s)")
    elif [ $rc -eq 77 ]; then
        results+=("tsan: SKIPPED, clang with ThreadSanitizer is missing")
    else
        results+=("tsan: FAILED (a test or a ThreadSanitizer report), see above")
        status=1
    fi
fi

if [ $((total_passed + total_failed)) -eq 0 ] && [ $status -eq 0 ]; then
    results+=("no test matched")
    status=1
fi

say "summary ($((SECONDS - overall_start)) s)"
printf '  %s\n' "${results[@]}"
[ $status -eq 0 ] && printf 'result: OK\n' || printf 'result: FAILED\n'
printf 'tests: %d passed, %d failed\n' "$total_passed" "$total_failed"
exit $status
