#!/usr/bin/env bash
# Runs the whole test suite (after scripts/setup.sh has built it): every suite registered with
# ctest, including the multi-process crash tests and the Python client tests, and the
# benchmark smoke run. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${PINPIPE_BUILD_DIR:-build}"
ctest --test-dir "${build_dir}" --output-on-failure -j"${PINPIPE_TEST_JOBS:-2}" --timeout 600
