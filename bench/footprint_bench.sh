#!/usr/bin/env bash
# footprint_bench.sh: the node's footprint, with pinpipe_bench (which starts its own node):
#   - start -> serving (ready line) and idle RSS: FIGURE bench=pinpipe_node case=idle;
#   - idle CPU of a node with every role (broker, gateway, connector, cleaner, sink,
#     scheduler) and no traffic: CPU seconds (user + system, /proc/<pid>/stat) over 10 s,
#     3 s after start: FIGURE bench=pinpipe_node case=idle-cpu (target <= 0.1 s, 1% of a
#     core); this node is started here, from $BUILD_DIR/nodes/pinpipe;
#   - RSS under a durable throughput run: case=footprint-durable-throughput;
#   - restart after SIGKILL with a big log (5 GiB; 0.5 GiB with --quick) until the node
#     answers a fetch at the end of the log: case=restart. Checks free space under
#     $TMPDIR (default /tmp) first: skipped with a message when under 15 GiB (1.5 GiB quick).
#
#   bench/footprint_bench.sh [--quick]        binaries from $PINPIPE_BUILD_DIR (default ./build)
set -u -o pipefail
GIB=5
SECS=10
if [ "${1:-}" = --quick ]; then GIB=0.5; SECS=2; fi
BUILD_DIR=${PINPIPE_BUILD_DIR:-./build}
BENCH="$BUILD_DIR/bench/pinpipe_bench"
[ -x "$BENCH" ] || { echo "footprint_bench.sh: $BENCH not built" >&2; exit 2; }
df -h "${TMPDIR:-/tmp}"
rc=0
# Idle CPU, all roles, no traffic.
idle_cpu() {
  local bin="$BUILD_DIR/nodes/pinpipe" dir pid hz t0 t1 i
  [ -x "$bin" ] || { echo "footprint_bench.sh: $bin not built" >&2; return 1; }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/pinpipe-idle-cpu.XXXXXX")
  cat >"$dir/node.toml" <<EOF
[node]
listen = "tcp://127.0.0.1:0"
roles = ["broker", "gateway", "connector", "cleaner", "sink", "scheduler"]
data_dir = "$dir/data"
log_level = "warn"
[gateway]
listen = "127.0.0.1:0"
EOF
  "$bin" node --config "$dir/node.toml" >"$dir/node.out" 2>&1 &
  pid=$!
  for i in $(seq 1 100); do grep -q "serving on" "$dir/node.out" && break; sleep 0.1; done
  if ! grep -q "serving on" "$dir/node.out"; then
    echo "footprint_bench.sh: the node did not start:" >&2
    cat "$dir/node.out" >&2
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rm -rf "$dir"
    return 1
  fi
  sleep 3
  hz=$(getconf CLK_TCK)
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  sleep 10
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"
  wait "$pid"
  rm -rf "$dir"
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v load="$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)" 'BEGIN {
    s = (b - a) / hz
    printf "idle CPU, all roles, no traffic: %.2f s per 10 s (%.1f%% of a core; target <= 0.10 s)\n", s, s * 10
    printf "FIGURE bench=pinpipe_node case=idle-cpu cpu_s_per_10s=%.2f core_pct=%.1f load=%s\n", s, s * 10, load
  }'
}
idle_cpu || rc=1
timeout -k 10 300 "$BENCH" --mode throughput --tier durable --seconds "$SECS" --records 5000000 || rc=1
timeout -k 10 900 "$BENCH" --restart-gib "$GIB" || rc=1
exit $rc
