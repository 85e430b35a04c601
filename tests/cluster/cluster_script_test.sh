#!/usr/bin/env bash
# Drives cluster-scripts/cluster.sh with real node processes: start three nodes, write
# acks=all records to one, SIGKILL it and restart it (every record is still there, in order),
# pause another (it stops answering) and resume it (it answers again), then stop them all
# and check that no node process is left. Needs PINPIPE_BIN and PINPIPE_SOURCE_DIR (ctest
# sets both).
set -euo pipefail
bin="${PINPIPE_BIN:?set PINPIPE_BIN to the pinpipe binary}"
src="${PINPIPE_SOURCE_DIR:?set PINPIPE_SOURCE_DIR to the repository root}"
work=$(mktemp -d /tmp/pinpipe-cluster-test-XXXXXX)
export CLUSTER_DIR="$work/cluster" PINPIPE_BIN="$bin"
# A base port unlikely to be taken, different per run.
export BASE_PORT=$((20000 + (RANDOM % 20000)))
cluster() { bash "$src/cluster-scripts/cluster.sh" "$@"; }
fail() { echo "FAIL: $*" >&2; cluster status >&2 || true; exit 1; }
cleanup() { cluster stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

ep() { echo "tcp://127.0.0.1:$((BASE_PORT + $1))"; }

cluster start 3 >/dev/null
cluster status >"$work/status"; [ "$(grep -c running "$work/status")" = 3 ] || fail "three nodes should be running"

# 200 acknowledged records on node 1.
"$bin" -b "$(ep 1)" topics create events --partitions 1 >/dev/null
seq 1 200 | "$bin" -b "$(ep 1)" produce events --acks all 2>"$work/produce.err" \
  || fail "produce: $(cat "$work/produce.err")"
grep -q "produced 200 record" "$work/produce.err" || fail "produce said: $(cat "$work/produce.err")"

# Crash and restart node 1: every acknowledged record is read back, in order.
cluster kill 1 >/dev/null
cluster status >"$work/status"; grep -q "node 1 down" "$work/status" || fail "node 1 should be down after kill"
cluster restart 1 >/dev/null
"$bin" -b "$(ep 1)" consume events --from-beginning --count 200 --timeout-ms 5000 >"$work/got" \
  || fail "consume after restart failed"
seq 1 200 | cmp -s - "$work/got" || fail "records after restart differ: $(head -3 "$work/got")"

# A paused node does not answer; resumed, it does.
cluster pause 2 >/dev/null
cluster status >"$work/status"; grep -q "node 2 pid [0-9]* paused" "$work/status" || fail "node 2 should show as paused"
if timeout 10 "$bin" -b "$(ep 2)" topics list >/dev/null 2>&1; then
  fail "a paused node answered"
fi
cluster resume 2 >/dev/null
"$bin" -b "$(ep 2)" topics list >/dev/null || fail "node 2 does not answer after resume"

pids=$(cat "$CLUSTER_DIR"/node-*.pid)
cluster stop >/dev/null
for p in $pids; do
  st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || true)
  [ -z "$st" ] || [ "$st" = Z ] || fail "node pid $p still running after stop"
done
echo "cluster script test: ok (3 nodes, kill/restart with 200 acked records, pause/resume, stop)"
