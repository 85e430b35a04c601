#!/usr/bin/env bash
# chaos.sh: the nemesis. Starts a replicated cluster through cluster.sh, runs a workload
# of acks=all producers of numbered records against it, injects a seeded schedule of
# faults, heals everything, and checks what was acknowledged against what every replica
# stores (docs/faults.md, "The nemesis").
#
#   chaos.sh --nodes N --seed S --duration SECONDS [--faults LIST] [--partitions P]
#            [--records N] [--batch N] [--keep] [--check-only] [--break-checker]
#
#   --faults      comma-separated, default all: kill (SIGKILL of a random node, restart
#                 after the hold), kill-leader (SIGKILL of partition 0's leader), pause
#                 (SIGSTOP past the election timeout, then SIGCONT), isolate (one node cut
#                 from every other, through the nodes' link fault switch), cut (the link
#                 between two nodes, both ways), flaky (the link between two nodes drops 20%,
#                 duplicates 10%, delays 30% and reorders 20% of the frames, both ways)
#   --partitions  partitions of the topic `chaos`, one producer each (default 2)
#   --records     numbered records per producer at most (default 200000)
#   --batch       records per produce request (default 10; 1 for a long soak)
#   --keep        leave the cluster directory (logs, acknowledgement files, dumps)
#   --check-only  only heal, converge and check the run kept in CLUSTER_DIR (same BASE_PORT,
#                 --nodes and --partitions), e.g. one stopped before its check
#   --break-checker  test hook: drop one acknowledged record from a replica's dump before
#                 the comparison; the check must then fail (ctest chaos_checker_test)
#
# The same seed gives the same schedule: which fault, which node (by number), when and for
# how long; every listed kind comes once (in a seeded order) before kinds repeat. Who leads partition 0 at a given moment depends on the run, so `kill-leader`
# hits whichever node that is. The schedule is printed as it runs.
#
# The workload: per partition, `pinpipe produce --acks all` (idempotent: a failed batch is
# resent unchanged, to any node) of the numbered records p<P>-1, p<P>-2, ... in batches of
# --batch (10), writing every acknowledgement (offset, value, time) to acked-<P>.tsv.
#
# The check, after the run, a heal and a wait for the replicas to converge, per partition:
#   - every acknowledged record is stored exactly once, at its acknowledged offset;
#   - no offset was acknowledged twice, and acknowledgements came in offset order;
#   - no record is stored twice;
#   - the replicas are identical (offsets and values).
# The report: faults injected (per kind, with times), records acknowledged, lost and
# duplicated, the time from each leader kill to the next acknowledgement, the longest
# time without any acknowledgement, and the verdict. Exit status 0 = no violation, 1 = a
# violation, 2 = usage or setup error.
#
# Not covered yet (issue 15): the pipeline workload (emulators through the gateway, lake
# and warehouse checks), torn segments and corruption of a down replica, a full disk,
# one-way cuts, clock jumps.
#
# Environment: PINPIPE_BIN, CLUSTER_DIR (default: a new /tmp/pinpipe-chaos-XXXXXX),
# BASE_PORT (default: from the seed, 20000-29999). Only processes started here (the
# producers, and the nodes through cluster.sh) are signalled, by pid.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${PINPIPE_BIN:-$here/../build/nodes/pinpipe}"
nodes=3 seed=1 duration=60 faults="kill,kill-leader,pause,isolate,cut,flaky" partitions=2 keep=0 break_checker=0
records=200000 batch=10 check_only=0

usage() { sed -n '2,24p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --faults) faults=${2:?}; shift 2 ;;
    --partitions) partitions=${2:?}; shift 2 ;;
    --records) records=${2:?}; shift 2 ;;
    --batch) batch=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --break-checker) break_checker=1; shift ;;
    --check-only) check_only=1; shift ;;
    -h|--help) usage ;;
    *) echo "chaos: unknown argument '$1'" >&2; usage ;;
  esac
done
for v in nodes seed duration partitions records batch; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "chaos: --$v must be a whole number, got '${!v}'" >&2; exit 2; }
done
[ "$nodes" -ge 3 ] || { echo "chaos: --nodes must be at least 3 (a majority must survive one fault)" >&2; exit 2; }
[ "$partitions" -ge 1 ] || { echo "chaos: --partitions must be at least 1" >&2; exit 2; }
IFS=, read -r -a kinds <<<"$faults"
for k in "${kinds[@]}"; do
  case "$k" in kill|kill-leader|pause|isolate|cut|flaky) ;; *)
    echo "chaos: unknown fault '$k' (known: kill, kill-leader, pause, isolate, cut, flaky)" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "chaos: no pinpipe binary at $bin (build it, or set PINPIPE_BIN)" >&2; exit 2; }

export PINPIPE_BIN="$bin"
export CLUSTER_DIR="${CLUSTER_DIR:-$(mktemp -d /tmp/pinpipe-chaos-XXXXXX)}"
export BASE_PORT="${BASE_PORT:-$((20000 + (seed * 37) % 9900))}"
dir="$CLUSTER_DIR"
mkdir -p "$dir" || { echo "chaos: cannot create $dir" >&2; exit 2; }
cluster() { "$here/cluster.sh" "$@"; }
list=""
for i in $(seq 1 "$nodes"); do list+="${list:+,}tcp://127.0.0.1:$((BASE_PORT + i))"; done
pp() { "$bin" --timeout-ms 5000 -b "$list" "$@"; }
start_ms=$(date +%s%3N)
elapsed() { local d=$(( $(date +%s%3N) - start_ms )); printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100)); }
say() { echo "[+$(elapsed)s] $*" | tee -a "$dir/schedule.log"; }

producers=()
cleanup() {
  for pid in "${producers[@]}"; do kill "$pid" 2>/dev/null; done
  cluster stop >/dev/null 2>&1
  if [ "$keep" = 0 ]; then rm -rf "$dir"; else echo "chaos: files kept in $dir"; fi
}
trap cleanup EXIT

declare -A injected=()
kill_times=()
down="" paused="" cut_pairs=()
recover() {
  if [ -n "$down" ]; then cluster restart "$down" >/dev/null 2>&1 || say "restart of node $down failed"; say "restart node $down"; down=""; fi
  if [ -n "$paused" ]; then cluster resume "$paused" >/dev/null; say "resume node $paused"; paused=""; fi
  if [ ${#cut_pairs[@]} -gt 0 ]; then cluster heal >/dev/null 2>&1; say "heal"; cut_pairs=(); fi
}
if [ "$check_only" = 1 ]; then
  # Check a run that was stopped before its check (its CLUSTER_DIR kept): start the nodes
  # that are not running, then heal, converge and check as usual.
  [ -f "$dir/cluster.size" ] || { echo "chaos: --check-only: no cluster in $dir (set CLUSTER_DIR and BASE_PORT of the run)" >&2; exit 2; }
  echo "chaos: checking the run kept in $dir (faults injected: see $dir/schedule.log)"
  for i in $(seq 1 "$nodes"); do cluster restart "$i" >/dev/null 2>&1; done
  down="" paused="" cut_pairs=()
else
echo "chaos: $nodes nodes, seed $seed, ${duration}s, faults $faults, $partitions partition(s), dir $dir"
cluster start "$nodes" >"$dir/cluster-start.log" 2>&1 || { cat "$dir/cluster-start.log" >&2; exit 2; }
pp topics create chaos --partitions "$partitions" >/dev/null || { echo "chaos: cannot create the topic" >&2; exit 2; }

for p in $(seq 0 $((partitions - 1))); do
  ( seq 1 "$records" | sed "s/^/p$p-/" | "$bin" --timeout-ms 3000 -b "$list" produce chaos -p "$p" \
      --acks all --batch "$batch" --retry-ms 60000 --acked "$dir/acked-$p.tsv" ) \
    >"$dir/producer-$p.log" 2>&1 &
  producers+=($!)
done

# The schedule: drawn from the seed only.
RANDOM=$seed
down="" paused="" cut_pairs=()
# Every kind once first (in a seeded order), then kinds drawn at random.
order=("${kinds[@]}")
for ((i = ${#order[@]} - 1; i > 0; i--)); do
  j=$((RANDOM % (i + 1))); tmp=${order[$i]}; order[$i]=${order[$j]}; order[$j]=$tmp
done
end_ms=$((start_ms + duration * 1000))
n_fault=0
while [ "$(date +%s%3N)" -lt "$end_ms" ]; do
  wait_ms=$((500 + RANDOM % 1500))
  kind=${kinds[$((RANDOM % ${#kinds[@]}))]}
  [ "$n_fault" -lt "${#order[@]}" ] && kind=${order[$n_fault]}
  n_fault=$((n_fault + 1))
  a=$((1 + RANDOM % nodes))
  b=$((1 + (a + RANDOM % (nodes - 1)) % nodes))
  hold_ms=$((700 + RANDOM % 2300))
  sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
  case "$kind" in
    kill) cluster kill "$a" >/dev/null; down=$a; kill_times+=("$(date +%s%3N)"); say "kill node $a (SIGKILL)" ;;
    kill-leader)
      l=$(LEADER_WAIT_S=2 cluster leader chaos 0 2>/dev/null || true)
      if [ -n "$l" ]; then cluster kill "$l" >/dev/null; down=$l; kill_times+=("$(date +%s%3N)"); say "kill node $l, leader of chaos/0 (SIGKILL)"
      else say "kill-leader: no leader of chaos/0 to kill"; fi ;;
    pause) cluster pause "$a" >/dev/null; paused=$a; say "pause node $a (SIGSTOP)" ;;
    isolate)
      for j in $(seq 1 "$nodes"); do [ "$j" = "$a" ] || cluster partition "$a" "$j" >/dev/null 2>&1; done
      cut_pairs=("$a"); say "isolate node $a from every other node" ;;
    cut) cluster partition "$a" "$b" >/dev/null 2>&1; cut_pairs=("$a-$b"); say "cut the link between nodes $a and $b" ;;
    flaky)
      fs=$RANDOM
      for pair in "$a $b" "$b $a"; do
        read -r from to <<<"$pair"
        "$bin" --timeout-ms 3000 -b "tcp://127.0.0.1:$((BASE_PORT + from))" cluster flaky "$to" \
          --drop 0.2 --duplicate 0.1 --delay 0.3 --reorder 0.2 --seed "$fs" >/dev/null 2>&1
      done
      cut_pairs=("$a~$b"); say "flaky link between nodes $a and $b (drop 20%, duplicate 10%, delay 30%, reorder 20%)" ;;
  esac
  injected[$kind]=$(( ${injected[$kind]:-0} + 1 ))
  sleep "$(printf '%d.%03d' $((hold_ms / 1000)) $((hold_ms % 1000)))"
  recover
done

fi
say "stop the workload, heal, wait for the replicas to converge"
for pid in "${producers[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
producers=()
recover
cluster heal >/dev/null 2>&1
# Converged: every node reports the same high watermark for every partition.
hw_of() { "$bin" --timeout-ms 3000 -b "tcp://127.0.0.1:$((BASE_PORT + $1))" topics describe chaos --json 2>/dev/null |
          grep -o "\"partition\":$2,[^}]*" | grep -o '"high_watermark":[0-9]*' | cut -d: -f2; }
converged=0
for _ in $(seq 1 150); do
  ok=1
  for p in $(seq 0 $((partitions - 1))); do
    first=$(hw_of 1 "$p")
    for i in $(seq 2 "$nodes"); do [ "$(hw_of "$i" "$p")" = "$first" ] && [ -n "$first" ] || ok=0; done
  done
  [ "$ok" = 1 ] && { converged=1; break; }
  sleep 0.2
done

violations=0
violation() { echo "VIOLATION: $*"; violations=$((violations + 1)); }
if [ "$converged" = 0 ]; then
  seen=""
  for p in $(seq 0 $((partitions - 1))); do
    for i in $(seq 1 "$nodes"); do seen+=" chaos/$p@node$i=$(hw_of "$i" "$p")"; done
  done
  violation "the replicas did not converge within 30 s after healing (high watermarks:$seen)"
fi
total_acked=0 total_lost=0 total_dup=0
for p in $(seq 0 $((partitions - 1))); do
  acked="$dir/acked-$p.tsv"; touch "$acked"
  for i in $(seq 1 "$nodes"); do
    "$bin" --timeout-ms 5000 -b "tcp://127.0.0.1:$((BASE_PORT + i))" consume chaos -p "$p" \
      --from-beginning --print-offsets --timeout-ms 1500 >"$dir/dump-$p-$i.tsv" 2>/dev/null
  done
  if [ "$break_checker" = 1 ] && [ -s "$acked" ]; then
    victim=$(head -n 1 "$acked" | cut -f2)
    grep -v -P "\t${victim}\$" "$dir/dump-$p-1.tsv" >"$dir/dump-$p-1.tmp"; mv "$dir/dump-$p-1.tmp" "$dir/dump-$p-1.tsv"
    for i in $(seq 2 "$nodes"); do cp "$dir/dump-$p-1.tsv" "$dir/dump-$p-$i.tsv"; done
  fi
  n_acked=$(wc -l <"$acked"); total_acked=$((total_acked + n_acked))
  lost=$(cut -f1,2 "$acked" | sort | comm -23 - <(sort "$dir/dump-$p-1.tsv") | wc -l)
  dup=$(cut -f2 "$dir/dump-$p-1.tsv" | sort | uniq -d | wc -l)
  twice=$(cut -f1 "$acked" | sort | uniq -d | wc -l)
  unordered=$(cut -f1 "$acked" | awk 'NR > 1 && $1 <= prev { n++ } { prev = $1 } END { print n + 0 }')
  total_lost=$((total_lost + lost)); total_dup=$((total_dup + dup))
  [ "$lost" = 0 ] || violation "chaos/$p: $lost acknowledged record(s) missing or at another offset (first: $(cut -f1,2 "$acked" | sort | comm -23 - <(sort "$dir/dump-$p-1.tsv") | head -n 1 | tr '\t' ' '))"
  [ "$dup" = 0 ] || violation "chaos/$p: $dup record(s) stored more than once"
  [ "$twice" = 0 ] || violation "chaos/$p: $twice offset(s) acknowledged twice"
  [ "$unordered" = 0 ] || violation "chaos/$p: $unordered acknowledgement(s) out of offset order"
  for i in $(seq 2 "$nodes"); do
    cmp -s "$dir/dump-$p-1.tsv" "$dir/dump-$p-$i.tsv" || violation "chaos/$p: the replicas on nodes 1 and $i differ"
  done
  echo "chaos/$p: $n_acked acknowledged, $(wc -l <"$dir/dump-$p-1.tsv") stored, $lost lost, $dup duplicated"
done

# Failovers: from each kill to the next acknowledgement of any producer.
all_acks=$(cat "$dir"/acked-*.tsv | cut -f3 | sort -n)
for t in "${kill_times[@]}"; do
  next=$(awk -v t="$t" '$1 >= t { print $1; exit }' <<<"$all_acks")
  [ -n "$next" ] && echo "failover: first acknowledgement $((next - t)) ms after the kill at +$(( (t - start_ms) / 1000 ))s"
done
gap=$(awk 'NR > 1 { d = $1 - prev; if (d > m) m = d } { prev = $1 } END { print m + 0 }' <<<"$all_acks")
echo "faults injected: $(for k in "${!injected[@]}"; do printf '%s %s, ' "$k" "${injected[$k]}"; done | sed 's/, $//')"
echo "records acknowledged $total_acked, lost $total_lost, duplicated $total_dup; longest time without an acknowledgement ${gap} ms"
if [ "$violations" = 0 ]; then echo "verdict: ok"; exit 0; fi
echo "verdict: $violations violation(s)"; exit 1
