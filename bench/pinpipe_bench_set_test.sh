#!/usr/bin/env bash
# pinpipe_bench --set: the lines reach the node's config (a bad value is refused by the
# node, by name), a bad --set is refused by the bench, and valid ones give a normal run.
#   usage: pinpipe_bench_set_test.sh PINPIPE_BENCH
set -u -o pipefail
BENCH=$1
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

out=$("$BENCH" --mode latency --tier durable --seconds 1 --records 50 \
  --set node.spin_us=99999 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "a node config value out of range: exit $rc, want 2; output: $out"
grep -q "\[node\] spin_us: expected 0..10000" <<<"$out" ||
  fail "the node's refusal does not name [node] spin_us: $out"

out=$("$BENCH" --mode latency --tier durable --seconds 1 --records 50 --set gateway.threads=4 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "--set with another section: exit $rc, want 2"
grep -q "the section must be node or log" <<<"$out" || fail "no clear message: $out"

out=$("$BENCH" --mode latency --tier durable --seconds 1 --records 50 --set spin_us 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "--set without KEY=VALUE: exit $rc, want 2"
grep -q "want node.KEY=VALUE or log.KEY=VALUE" <<<"$out" || fail "no clear message: $out"

out=$("$BENCH" --mode latency --tier durable --seconds 1 --records 200 \
  --set node.spin_us=0 --set log.preallocate=false 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "a run with valid --set lines: exit $rc; output: $out"
grep -q "^RESULT system=pinpipe .*records=200 .*check=ok" <<<"$out" ||
  fail "no RESULT line with records=200 and check=ok: $out"
echo "ok: --set lines reach the node, bad ones are refused by name"
