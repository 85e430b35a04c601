#!/usr/bin/env bash
# ctest bench_suite_fails_on_lost_records: the suite's read-back count check must turn a lost
# record into a failed run. Runs bench/run-suite.sh --quick against real Redis and NATS
# servers with --fault-skip-readback 1 (each peer client drops the first record it reads
# back) and passes only when the suite exits 1, reports check=failed for every peer run and
# names the failed count check.
#   usage: suite_count_check_test.sh <path of bench/run-suite.sh>   (env PINPIPE_BUILD_DIR)
set -u -o pipefail
suite=${1:?usage: suite_count_check_test.sh <path of bench/run-suite.sh>}
out=$(bash "$suite" --quick --only redis,nats --fault-skip-readback 1 2>&1)
rc=$?
fail() {
  echo "FAIL: $*"
  echo "--- suite output ---"
  echo "$out"
  exit 1
}
[ "$rc" -eq 1 ] || fail "suite exited $rc, want 1 (a check failed)"
failed=$(grep -c '^RESULT .* check=failed$' <<<"$out")
[ "$failed" -eq 6 ] || fail "want 6 RESULT lines with check=failed (redis x2 tiers x2 modes, nats x2 modes), got $failed"
grep -q 'count check FAILED' <<<"$out" || fail "the report does not name the failed count check"
grep -q '^FAILED runs:' <<<"$out" || fail "the report has no 'FAILED runs:' section"
echo "PASS: lost records made the suite fail (exit $rc, $failed failed checks)"
