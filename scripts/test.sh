#!/usr/bin/env bash
# Runs the whole test suite (after scripts/setup.sh has built it): every suite registered with
# ctest, including the multi-process crash tests and the Python client tests, and the
# benchmark smoke run; then every fuzz target for a bounded time (scripts/fuzz.sh, clang) and
# the storage/transport/messages/raft unit tests under ASan+UBSan and the log's concurrency
# tests under TSan (scripts/sanitize.sh). Exits non-zero when anything fails.
#   PINPIPE_FUZZ_SECONDS=20   seconds per fuzz target (0 skips fuzzing)
#   PINPIPE_SANITIZE=1        0 skips the sanitizer builds (about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${PINPIPE_BUILD_DIR:-build}"
# `setup.sh all` installs what the tests need beyond the main job (Chromium and selenium for
# the console's browser test, clang for the fuzzers) and builds every test and benchmark.
echo "test: installing the test tools and building every test and benchmark in ${build_dir}"
bash scripts/setup.sh all
ctest --test-dir "${build_dir}" --output-on-failure -j"${PINPIPE_TEST_JOBS:-2}" --timeout 600

# Fuzzing and sanitizers (docs/faults.md): own build directories (build-fuzz, build-asan,
# build-tsan), bounded in time; each adds a few minutes on 2 cores.
fuzz_seconds="${PINPIPE_FUZZ_SECONDS:-20}"
if [ "${fuzz_seconds}" -gt 0 ]; then
  bash scripts/setup.sh fuzz || {
    echo "test: error: the fuzzing packages are missing (run as root, or set PINPIPE_FUZZ_SECONDS=0 to skip fuzzing)" >&2
    exit 1; }
  echo "test: fuzzing every target for ${fuzz_seconds} s (PINPIPE_FUZZ_SECONDS; 0 skips)"
  bash scripts/fuzz.sh "${fuzz_seconds}"
fi
if [ "${PINPIPE_SANITIZE:-1}" != 0 ]; then
  echo "test: sanitizer builds (PINPIPE_SANITIZE=0 skips)"
  bash scripts/sanitize.sh
fi
