#!/usr/bin/env bash
# ctest chaos_test / chaos_checker_test: the nemesis (cluster-scripts/chaos.sh) against a
# real 3-node cluster.
#   chaos_test.sh run SEED SECONDS   every fault kind at least once, 0 violations
#   chaos_test.sh broken             --break-checker: the checker must report the loss
set -u
src="${PINPIPE_SOURCE_DIR:?}"
mode=${1:?}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
case "$mode" in
  run)
    seed=${2:?} secs=${3:?}
    "$src/cluster-scripts/chaos.sh" --nodes 3 --seed "$seed" --duration "$secs" --records 30000 >"$out" 2>&1
    rc=$?
    cat "$out"
    [ "$rc" = 0 ] || { echo "FAIL: chaos.sh exited $rc"; exit 1; }
    grep -q "^verdict: ok$" "$out" || { echo "FAIL: no 'verdict: ok'"; exit 1; }
    for k in kill kill-leader pause isolate cut flaky; do
      grep -q "faults injected:.*\b$k [1-9]" "$out" || { echo "FAIL: fault '$k' was never injected"; exit 1; }
    done
    grep -q "lost 0, duplicated 0" "$out" || { echo "FAIL: records lost or duplicated"; exit 1; }
    ;;
  broken)
    "$src/cluster-scripts/chaos.sh" --nodes 3 --seed 5 --duration 3 --records 2000 --faults pause \
      --break-checker >"$out" 2>&1
    rc=$?
    cat "$out"
    [ "$rc" = 1 ] || { echo "FAIL: a broken comparison must make chaos.sh exit 1, got $rc"; exit 1; }
    grep -q "VIOLATION: chaos/0: 1 acknowledged record(s) missing" "$out" ||
      { echo "FAIL: the dropped record was not reported"; exit 1; }
    ;;
  *) echo "usage: chaos_test.sh run SEED SECONDS | broken" >&2; exit 2 ;;
esac
echo "PASS"
