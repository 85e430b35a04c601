#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang-14, ASan + UBSan, -DPINPIPE_FUZZ=ON) and
# runs each for a bounded time, one after the other, from its seed corpus. Prints each
# target's executions, executions per second and result, and the totals. Exits non-zero when
# a target crashes (the input is kept under <build dir>/fuzz-artifacts/<target>/: fix the
# bug, then copy the input into tests/fuzz/regressions/<target>/ so ctest replays it).
#
#   bash scripts/fuzz.sh                 # every target, 20 s each
#   bash scripts/fuzz.sh 60 recovery     # one target for 60 s
#   PINPIPE_FUZZ_SECONDS=5 bash scripts/fuzz.sh
#
# Environment: PINPIPE_FUZZ_BUILD_DIR (default build-fuzz), PINPIPE_FUZZ_SECONDS (default
# 20; the first argument overrides it), PINPIPE_JOBS (default 2). Needs the packages of
# `bash scripts/setup.sh fuzz` (clang-14, libfuzzer-14-dev, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${PINPIPE_FUZZ_SECONDS:-20}"
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds="$1"; shift; fi
build_dir="${PINPIPE_FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${PINPIPE_JOBS:-2}"
all_targets=(messages raft_wire http_request rest_proxy kinesis segment recovery config cron cleaner)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cpp" ] || {
    echo "fuzz: error: no target '${t}' (targets: ${all_targets[*]})" >&2; exit 2; }
done

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || {
    echo "fuzz: error: $tool not found; install the fuzzing packages: bash scripts/setup.sh fuzz" >&2
    exit 1; }
done
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || {
  echo "fuzz: error: libFuzzer is not installed (libclang-rt-14-dev / libfuzzer-14-dev); run: bash scripts/setup.sh fuzz" >&2
  exit 1; }

t0=$(date +%s)
echo "fuzz: configuring and building ${#targets[@]} targets into ${build_dir} (clang-14, ASan+UBSan, -j${jobs})"
CC=clang-14 CXX=clang++-14 cmake -S . -B "${build_dir}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPINPIPE_FUZZ=ON >"${build_dir}.cmake.log" 2>&1 || {
  cat "${build_dir}.cmake.log" >&2; echo "fuzz: error: cmake configure failed (log above)" >&2; exit 1; }
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_${t}"); done
cmake --build "${build_dir}" -j"${jobs}" --target "${build_targets[@]}"
t_built=$(date +%s)
echo "fuzz: built in $((t_built - t0)) s; running each target for ${seconds} s"

total_execs=0
failed=()
rows=()
for t in "${targets[@]}"; do
  work="${build_dir}/fuzz-corpus/${t}"       # what this run adds to the seeds (not committed)
  artifacts="${build_dir}/fuzz-artifacts/${t}"
  log="${build_dir}/fuzz-logs/${t}.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  seeds=("tests/fuzz/corpus/${t}")
  [ -d "tests/fuzz/regressions/${t}" ] && seeds+=("tests/fuzz/regressions/${t}")
  rc=0
  "${build_dir}/tests/fuzz/fuzz_${t}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="${artifacts}/" "$work" "${seeds[@]}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  execs="${execs:-0}"; rate="${rate:-0}"
  total_execs=$((total_execs + execs))
  if [ "$rc" -eq 0 ]; then
    result="ok"
  else
    result="CRASH (exit ${rc})"
    failed+=("$t")
  fi
  rows+=("$(printf '%-14s %12s %10s %6s  %s' "$t" "$execs" "$rate" "${seconds}s" "$result")")
  echo "fuzz: ${rows[-1]}"
  if [ "$rc" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|fuzz property violated|Test unit written" "$log" | head -8 | sed 's/^/fuzz:   /' >&2
    echo "fuzz:   full log: ${log}; reproduce: ${build_dir}/tests/fuzz/fuzz_${t} <input>" >&2
  fi
done

t_end=$(date +%s)
echo
printf '%-14s %12s %10s %6s  %s\n' target executions exec/s time result
printf '%s\n' "${rows[@]}"
echo "fuzz: ${#targets[@]} targets, ${total_execs} executions in $((t_end - t_built)) s of fuzzing" \
     "($((t_end - t0)) s with the build)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: error: ${#failed[@]} target(s) crashed: ${failed[*]}; inputs in ${build_dir}/fuzz-artifacts/<target>/." >&2
  echo "fuzz: fix the bug, then keep the input in tests/fuzz/regressions/<target>/ (ctest fuzz_replay_<target> replays it)" >&2
  exit 1
fi
