#!/usr/bin/env bash
# Builds and runs the unit tests of storage/, transport/, messages/ and raft/ under
# AddressSanitizer + UndefinedBehaviorSanitizer (g++, build-asan), then the thread-safe log's
# concurrency tests under ThreadSanitizer (g++, build-tsan). Any sanitizer report fails the
# test that triggered it (halt_on_error), and the script exits non-zero.
#
#   bash scripts/sanitize.sh            # both
#   bash scripts/sanitize.sh asan       # only ASan+UBSan
#   bash scripts/sanitize.sh tsan       # only TSan
#
# Tests that start the `pinpipe` binary (add_dependencies(<test> pinpipe) in their
# CMakeLists.txt) are left out: building the CAF node under ASan would double the time, and
# those tests run in the ordinary build. Environment: PINPIPE_ASAN_BUILD_DIR (build-asan),
# PINPIPE_TSAN_BUILD_DIR (build-tsan), PINPIPE_JOBS (2), PINPIPE_TEST_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
case "$what" in all|asan|tsan) ;; *) echo "sanitize: error: unknown mode '$what' (all, asan or tsan)" >&2; exit 2 ;; esac
jobs="${PINPIPE_JOBS:-2}"
test_jobs="${PINPIPE_TEST_JOBS:-2}"
status=0

configure() { # <dir> <flags>
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$2" \
    -DCMAKE_EXE_LINKER_FLAGS="$2" >"$1.cmake.log" 2>&1 || {
    cat "$1.cmake.log" >&2; echo "sanitize: error: cmake configure of $1 failed (log above)" >&2; exit 1; }
}

if [ "$what" != tsan ]; then
  dir="${PINPIPE_ASAN_BUILD_DIR:-build-asan}"
  t0=$(date +%s)
  configure "$dir" "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # Every test of the four folders, minus those that need the pinpipe binary.
  needs_binary=$(sed -n 's/^ *add_dependencies(\([A-Za-z0-9_]*\) pinpipe).*/\1/p' \
    tests/storage/CMakeLists.txt tests/messages/CMakeLists.txt tests/transport/CMakeLists.txt \
    tests/raft/CMakeLists.txt | sort -u)
  tests=()
  while read -r name; do
    grep -qx "$name" <<<"$needs_binary" || tests+=("$name")
  done < <(sed -n 's/^ *pinpipe_test(\([A-Za-z0-9_]*\) .*/\1/p' tests/storage/CMakeLists.txt \
             tests/messages/CMakeLists.txt tests/transport/CMakeLists.txt tests/raft/CMakeLists.txt)
  [ ${#tests[@]} -gt 0 ] || { echo "sanitize: error: no storage/messages/transport/raft tests found in $dir" >&2; exit 1; }
  echo "sanitize: ASan+UBSan: building ${#tests[@]} test suites into ${dir} (-j${jobs})"
  echo "sanitize:   ${tests[*]}"
  echo "sanitize:   left out (they start the pinpipe binary): $(echo $needs_binary)"
  cmake --build "$dir" -j"$jobs" --target "${tests[@]}"
  t1=$(date +%s)
  regex="^($(IFS='|'; echo "${tests[*]}"))\$"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  if ctest --test-dir "$dir" -R "$regex" --output-on-failure -j"$test_jobs" --timeout 600; then
    echo "sanitize: ASan+UBSan: ${#tests[@]} suites passed (build $((t1 - t0)) s, tests $(( $(date +%s) - t1 )) s)"
  else
    echo "sanitize: error: a test failed under ASan+UBSan (the sanitizer report is in its output above)" >&2
    status=1
  fi
fi

if [ "$what" != asan ]; then
  dir="${PINPIPE_TSAN_BUILD_DIR:-build-tsan}"
  t0=$(date +%s)
  configure "$dir" "-fsanitize=thread -fno-omit-frame-pointer"
  # The thread-safe log's concurrency tests: concurrent producers, watches, group commit
  # (fsyncs shared by producers, answers on the flusher or the calling thread), merged
  # bursts, readers while an fsync hangs. DurabilityCrash forks and SIGKILLs a child: it
  # stays in the ordinary build.
  tsan_tests=(storage_log_behaviour_test storage_durability_test storage_merge_test storage_disk_stall_test)
  echo "sanitize: TSan: building ${tsan_tests[*]} into ${dir} (-j${jobs})"
  cmake --build "$dir" -j"$jobs" --target "${tsan_tests[@]}"
  t1=$(date +%s)
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
  failed=()
  for t in "${tsan_tests[@]}"; do
    filter="*"
    [ "$t" = storage_durability_test ] && filter="-DurabilityCrash.*"
    bin="${dir}/tests/storage/${t}"
    if ! "$bin" --gtest_filter="$filter" >"${dir}/${t}.tsan.log" 2>&1; then
      failed+=("$t")
      tail -60 "${dir}/${t}.tsan.log" >&2
    fi
    echo "sanitize: TSan: ${t}: $(grep -E '^\[  (PASSED|FAILED) ' "${dir}/${t}.tsan.log" | tr '\n' ' ')"
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "sanitize: error: under ThreadSanitizer: ${failed[*]} failed (logs: ${dir}/<test>.tsan.log)" >&2
    status=1
  else
    echo "sanitize: TSan: ${#tsan_tests[@]} suites passed (build $((t1 - t0)) s, tests $(( $(date +%s) - t1 )) s)"
  fi
fi
exit "$status"
