#!/usr/bin/env bash
# Drives cluster-scripts/cluster.sh with a real 3-node replicated cluster (real node
# processes on 127.0.0.1, a random base port, a temp CLUSTER_DIR):
#  - start 3: three nodes running, a metadata leader, status lists what each node leads;
#  - a topic of 3 partitions: `leader` agrees with `topics describe --json` and with the
#    `leads` of `status`;
#  - 200 acks=all records, SIGKILL of partition 0's leader: `leader` names another node,
#    100 more acks=all records through a live node, and consume --from-beginning on every
#    live node reads all 300 once, in order; the killed node restarts and catches up;
#  - partition L F / heal: both sides report each other down, then up again; cutting the
#    leader L off from both others moves the leadership away from L;
#  - pause/resume, bad arguments refused with a message, stop leaves no node process.
# Needs PINPIPE_BIN and PINPIPE_SOURCE_DIR (ctest sets both). About 20-30 s.
set -euo pipefail
bin="${PINPIPE_BIN:?set PINPIPE_BIN to the pinpipe binary}"
src="${PINPIPE_SOURCE_DIR:?set PINPIPE_SOURCE_DIR to the repository root}"
work=$(mktemp -d /tmp/pinpipe-cluster-test-XXXXXX)
export CLUSTER_DIR="$work/cluster" PINPIPE_BIN="$bin"
# A base port unlikely to be taken, different per run.
export BASE_PORT=$((20000 + (RANDOM % 20000)))
cluster() { bash "$src/cluster-scripts/cluster.sh" "$@"; }
fail() {
  echo "FAIL: $*" >&2
  cluster status >&2 || true
  for f in "$CLUSTER_DIR"/node-*.log; do echo "--- tail of $f" >&2; tail -15 "$f" >&2 || true; done
  exit 1
}
cleanup() { cluster stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
SECONDS=0
step() { echo "[${SECONDS}s] $*"; }

ep() { echo "tcp://127.0.0.1:$((BASE_PORT + $1))"; }
all="$(ep 1),$(ep 2),$(ep 3)"
pp() { "$bin" --timeout-ms 5000 "$@"; }
# node_status I: node I's line of `cluster.sh status`.
node_status() { cluster status | grep "^node $1 "; }
# leads I T/P: node I's status lists T/P among the partitions it leads.
leads() { node_status "$1" | grep -Eq "[ ,]$2[, ]"; }
# wait_for SECONDS CMD...: until CMD succeeds (polling every 0.2 s).
wait_for() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  until "$@"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.2; done
}

step "start 3"
cluster start 3 >"$work/start" || fail "start: $(cat "$work/start")"
grep -q "quorum: metadata leader is node [123]" "$work/start" || fail "start did not report a quorum: $(cat "$work/start")"
grep -q '"1@tcp://127.0.0.1:'"$((BASE_PORT + 1))"'", "2@' "$CLUSTER_DIR/node-3.toml" ||
  fail "node-3.toml does not list the cluster: $(cat "$CLUSTER_DIR/node-3.toml")"
cluster status >"$work/status"
[ "$(grep -c ' running .* leads ' "$work/status")" = 3 ] || fail "three running nodes with 'leads' expected: $(cat "$work/status")"

step "topic t, 3 partitions, 3 replicas"
pp -b "$all" topics create t --partitions 3 >/dev/null
pp -b "$all" topics describe t --json >"$work/describe"
for p in 0 1 2; do
  grep -q "{\"partition\":$p,\"leader\":[0-9null]*,\"term\":[0-9]*,\"replicas\":\[[123],[123],[123]\]" "$work/describe" ||
    fail "partition $p should have 3 replicas: $(cat "$work/describe")"
  l=$(cluster leader t "$p") || fail "no leader for t/$p"
  [[ "$l" =~ ^[123]$ ]] || fail "leader t $p printed '$l'"
  # The node named as leader lists t/p among the partitions it leads.
  wait_for 5 leads "$l" "t/$p" ||
    fail "status of node $l does not list t/$p: $(node_status "$l")"
done

step "200 acks=all records, SIGKILL of t/0's leader, 100 more"
seq 1 200 | pp -b "$all" produce t --acks all 2>"$work/produce.err" || fail "produce: $(cat "$work/produce.err")"
grep -q "produced 200 record" "$work/produce.err" || fail "produce said: $(cat "$work/produce.err")"
old=$(cluster leader t 0)
cluster kill "$old" >/dev/null
grep -q "^node $old down" <(cluster status) || fail "node $old should be down after kill"
new=$(cluster leader t 0) || fail "no new leader for t/0 after killing node $old"
[ "$new" != "$old" ] || fail "leader t 0 still names the killed node $old"
live=""; for i in 1 2 3; do [ "$i" = "$old" ] || live+="${live:+,}$(ep "$i")"; done
seq 201 300 | pp -b "$live" produce t --acks all 2>"$work/produce.err" || fail "produce after failover: $(cat "$work/produce.err")"
for i in 1 2 3; do
  [ "$i" = "$old" ] && continue
  pp -b "$(ep "$i")" consume t --from-beginning --count 300 --timeout-ms 5000 >"$work/got" ||
    fail "consume from node $i failed"
  seq 1 300 | cmp -s - "$work/got" || fail "node $i: records differ from 1..300: $(wc -l <"$work/got") lines, first $(head -1 "$work/got")"
done
cluster restart "$old" >/dev/null
# The restarted node rejoins the in-sync set of t/0 (it caught up from the leader). The
# in-sync set is the leader's view: ask the leader (a follower shows only what the
# metadata holds, which may be older; docs/cluster.md "Known problems").
caught_up() { pp -b "$(ep "$new")" topics describe t --json 2>/dev/null | grep -q "{\"partition\":0,[^}]*\"in_sync\":\[[0-9,]*$old"; }
wait_for 10 caught_up || fail "node $old did not rejoin t/0's in-sync set: $(pp -b "$(ep "$new")" topics describe t --json)"
pp -b "$(ep "$old")" consume t --from-beginning --count 300 --timeout-ms 5000 >"$work/got" || fail "consume from restarted node $old"
seq 1 300 | cmp -s - "$work/got" || fail "restarted node $old: records differ from 1..300"

step "partition / heal"
L=$(cluster leader t 0); F=$((L % 3 + 1)); G=$((F % 3 + 1))
cluster partition "$L" "$F" >"$work/out" || fail "partition: $(cat "$work/out")"
grep -q "node link fault switch" "$work/out" || fail "partition said: $(cat "$work/out")"
sees_down() { node_status "$1" | grep -q "sees node(s) [0-9,]*$2"; }
sees_none_down() { ! node_status "$1" | grep -q "sees node(s)"; }
wait_for 5 sees_down "$L" "$F" || fail "node $L should see node $F down: $(node_status "$L")"
wait_for 5 sees_down "$F" "$L" || fail "node $F should see node $L down: $(node_status "$F")"
# Client connections are not cut: node F still answers.
pp -b "$(ep "$F")" topics list >/dev/null || fail "a client could not reach node $F during the partition"
cluster heal >"$work/out" || fail "heal: $(cat "$work/out")"
wait_for 5 sees_none_down "$L" || fail "node $L should see every node up after heal: $(node_status "$L")"
wait_for 5 sees_none_down "$F" || fail "node $F should see every node up after heal: $(node_status "$F")"
# The leader cut off from both others loses t/0 to one of them.
cluster partition "$L" "$F" >/dev/null
cluster partition "$L" "$G" >/dev/null
moved() { local l; l=$(LEADER_WAIT_S=1 cluster leader t 0 2>/dev/null) && [ "$l" != "$L" ] &&
          ! leads "$L" t/0; }
wait_for 10 moved || fail "t/0 stayed with the isolated node $L: $(cluster status)"
cluster heal "$L" "$F" >/dev/null && cluster heal "$L" "$G" >/dev/null
wait_for 5 sees_none_down "$L" || fail "node $L should see every node up after heal: $(node_status "$L")"

step "pause / resume, bad arguments"
cluster pause 2 >/dev/null
node_status 2 | grep -q "node 2 pid [0-9]* paused" || fail "node 2 should show as paused"
if timeout 10 "$bin" --timeout-ms 1000 -b "$(ep 2)" topics list >/dev/null 2>&1; then fail "a paused node answered"; fi
cluster resume 2 >/dev/null
pp -b "$(ep 2)" topics list >/dev/null || fail "node 2 does not answer after resume"
for bad in "kill 7" "partition 1 1" "leader t x" "start 5"; do
  # shellcheck disable=SC2086
  if cluster $bad >"$work/out" 2>&1; then fail "'cluster.sh $bad' should fail"; fi
  grep -q "cluster: error: " "$work/out" || fail "'cluster.sh $bad' gave no error message: $(cat "$work/out")"
done
if LEADER_WAIT_S=1 cluster leader nosuch 0 >"$work/out" 2>&1; then fail "leader of an unknown topic should fail"; fi
grep -q "nosuch" "$work/out" || fail "leader of an unknown topic: $(cat "$work/out")"

step "stop"
pids=$(cat "$CLUSTER_DIR"/node-*.pid)
cluster stop >/dev/null
for p in $pids; do
  st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || true)
  [ -z "$st" ] || [ "$st" = Z ] || fail "node pid $p still running after stop"
done
step "cluster script test: ok (3 replicated nodes: leader, failover with 300 acked records, catch-up, partition/heal, pause/resume, stop)"
