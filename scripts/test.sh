#!/usr/bin/env bash
# Runs the whole test suite (after scripts/setup.sh has built it): every suite registered with
# ctest, including the multi-process crash tests and the Python client tests, and the
# benchmark smoke run. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${PINPIPE_BUILD_DIR:-build}"
[ -f "${build_dir}/CMakeCache.txt" ] || { echo "test: error: ${build_dir} is not configured (run bash scripts/setup.sh first)" >&2; exit 1; }
echo "test: building every test and benchmark in ${build_dir}"
cmake --build "${build_dir}" -j"${PINPIPE_JOBS:-2}"
ctest --test-dir "${build_dir}" --output-on-failure -j"${PINPIPE_TEST_JOBS:-2}" --timeout 600
