#!/usr/bin/env bash
# footprint_bench.sh: the node's footprint, with pinpipe_bench (which starts its own node):
#   - start -> serving (ready line) and idle RSS: FIGURE bench=pinpipe_node case=idle;
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
timeout -k 10 300 "$BENCH" --mode throughput --tier durable --seconds "$SECS" --records 5000000 || rc=1
timeout -k 10 900 "$BENCH" --restart-gib "$GIB" || rc=1
exit $rc
