#!/usr/bin/env bash
# run-all.sh: runs every benchmark of bench/ and prints all figures (docs/performance.md).
#
#   bench/run-all.sh [--quick] [--out FILE]
#
# Runs, in order: clean_bench, warehouse_bench, source_gen_bench, lake_read_bench,
# log_bench, stream_path_bench, batch_bench, gateway_bench, pinpipe_bench --matrix, and
# bench/run-suite.sh (pinpipe vs Redis and NATS, which runs pinpipe_bench in both tiers and
# modes). Each benchmark runs under `timeout`, in its own temp dirs, which it removes. The
# load average is printed before each one (the machine may be shared). At the end all
# FIGURE lines are listed together. With --out the whole output is also written to FILE.
#
# Binaries come from $PINPIPE_BUILD_DIR (default ./build). Exit status: 0 when every
# benchmark exited 0, 1 otherwise (the failed ones are listed), 2 usage error.
set -u -o pipefail

QUICK=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=--quick ;;
    --out)
      [ $# -ge 2 ] || { echo "run-all.sh: --out needs a file" >&2; exit 2; }
      OUT=$2
      shift
      ;;
    -h | --help)
      sed -n '2,14p' "$0"
      exit 0
      ;;
    *)
      echo "run-all.sh: unknown argument '$1' (use --quick, --out FILE)" >&2
      exit 2
      ;;
  esac
  shift
done

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${PINPIPE_BUILD_DIR:-./build}
[ -d "$BUILD_DIR" ] || { echo "run-all.sh: build dir '$BUILD_DIR' missing; set PINPIPE_BUILD_DIR" >&2; exit 2; }
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
B="$BUILD_DIR/bench"
export PINPIPE_BUILD_DIR="$BUILD_DIR"
[ -z "${PINPIPE_BIN:-}" ] && [ -x "$BUILD_DIR/nodes/pinpipe" ] && export PINPIPE_BIN="$BUILD_DIR/nodes/pinpipe"

LOG=$(mktemp "${TMPDIR:-/tmp}/pinpipe-run-all.XXXXXX") || exit 2
trap 'rm -f "$LOG"' EXIT
FAILED=()

if [ -n "$QUICK" ]; then LIMIT=300; else LIMIT=1800; fi

# run NAME CMD...: one benchmark, bounded, output to the terminal and the log.
run() {
  local name=$1 rc
  shift
  if [ ! -x "$1" ]; then
    echo "== $name: SKIPPED, $1 not built" | tee -a "$LOG"
    FAILED+=("$name (not built)")
    return
  fi
  echo "== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"
  timeout -k 10 "$LIMIT" "$@" 2>&1 | tee -a "$LOG"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || FAILED+=("$name (exit $rc)")
  echo | tee -a "$LOG"
}

{
  echo "# pinpipe benchmarks ($([ -n "$QUICK" ] && echo quick || echo full), $(date -u +%Y-%m-%dT%H:%MZ))"
  echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
  echo
} | tee -a "$LOG"

if [ -n "$QUICK" ]; then LOGB=(--quick); else LOGB=(--seconds 2); fi
run clean_bench "$B/clean_bench" $QUICK
run warehouse_bench "$B/warehouse_bench" $QUICK
run source_gen_bench "$B/source_gen_bench" $QUICK
run lake_read_bench "$B/lake_read_bench" $QUICK
run log_bench "$B/log_bench" "${LOGB[@]}"
run stream_path_bench "$B/stream_path_bench" $QUICK
run batch_bench "$B/batch_bench" $QUICK
run gateway_bench "$B/gateway_bench" $QUICK
run pinpipe_bench_matrix "$B/pinpipe_bench" --matrix $QUICK
echo "== footprint: $HERE/footprint_bench.sh $QUICK (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"
bash "$HERE/footprint_bench.sh" $QUICK 2>&1 | tee -a "$LOG" || FAILED+=("footprint_bench.sh")
echo "== run-suite.sh $QUICK (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$LOG"
bash "$HERE/run-suite.sh" $QUICK 2>&1 | tee -a "$LOG" || FAILED+=("run-suite.sh")

{
  echo
  echo "## All FIGURE lines"
  echo
  grep -E '^(FIGURE|RESULT) ' "$LOG"
  if [ ${#FAILED[@]} -gt 0 ]; then
    echo
    echo "FAILED: ${FAILED[*]}"
  fi
} | tee -a "$LOG"
[ -n "$OUT" ] && cp "$LOG" "$OUT"
[ ${#FAILED[@]} -eq 0 ]
