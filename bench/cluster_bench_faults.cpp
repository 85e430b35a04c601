// cluster_bench's fault figures (see bench/cluster_bench.cpp for the program):
//  - failover: SIGKILL of the partition leader while an idempotent acks=all producer has a
//    batch in flight to it, until that batch is acknowledged by the new leader;
//  - catch-up: a follower killed, 100 MB written, the follower restarted, until its replica's
//    high watermark equals the leader's.
// Both use real node processes with the default timeouts ([cluster] election_timeout_ms,
// heartbeat_ms) and kill only the processes they started, by pid (the harness).
#include "bench/bench_util.hpp"
#include "bench/cluster_bench.hpp"

namespace pinpipe::bench::cluster {
namespace {

constexpr int records_per_batch = 16;
constexpr int64_t producer_id = 7070;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

msg::produce_request batch_from(const std::string& topic, record_generator& gen, uint64_t first) {
  auto req = make_produce(topic, producer_id, static_cast<int32_t>(first));
  for (int k = 0; k < records_per_batch; ++k)
    add_record(req, gen.make(first + static_cast<uint64_t>(k)));
  return req;
}

status produce_sync(transport::client& c, const msg::produce_request& req, int timeout_ms) {
  auto r = transport::request(c, req, timeout_ms);
  if (!r) return r.error();
  return msg::status_of(*r);
}

/// Waits until node i's replica has the leader's high watermark (up to timeout_s).
status wait_caught_up(bench_cluster& bc, int i, int leader, double timeout_s) {
  stopwatch sw{timeout_s};
  while (!sw.expired()) {
    auto lv = describe(bc.client(leader), bc.topic(), 1000);
    auto fv = describe(bc.client(i), bc.topic(), 1000);
    if (lv && fv && fv->high_watermark >= lv->high_watermark) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {errc::timeout, "node " + std::to_string(i) + " did not catch up within " +
                             std::to_string(timeout_s) + " s"};
}

struct one_failover {
  double elect_ms = -1; ///< kill -> a live node names a new leader
  double ack_ms = -1;   ///< kill -> the in-flight batch acknowledged by the new leader
  int new_leader = 0;
};

/// Kills the leader with `req` in flight to it, then follows the leader: polls the live
/// nodes' metadata and resends `req` (same producer id and sequence) to the node named.
result<one_failover> kill_and_follow(bench_cluster& bc, const msg::produce_request& req) {
  auto& nodes = bc.nodes();
  const int old = bc.leader();
  auto& oc = bc.client(old);
  if (auto st = oc.send(msg::make_envelope(req, oc.next_correlation_id(), oc.name(), "broker")); !st)
    return st;
  const auto t0 = std::chrono::steady_clock::now();
  nodes.kill9(old);
  one_failover f;
  status last{errc::timeout, "no live node named a new leader"};
  while (ms_since(t0) < 15000) {
    int named = 0;
    for (int i = 1; i <= 3 && !named; ++i) {
      if (i == old || !nodes.running(i)) continue;
      auto v = describe(bc.client(i), bc.topic(), 200);
      if (v && v->leader > 0 && v->leader != old && nodes.running(v->leader)) named = v->leader;
    }
    if (!named) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    if (f.elect_ms < 0) f.elect_ms = ms_since(t0);
    last = produce_sync(bc.client(named), req, 2000);
    if (last.ok()) {
      f.ack_ms = ms_since(t0);
      f.new_leader = named;
      // The node that acknowledged must lead now (not have forwarded to someone else).
      auto v = describe(bc.client(named), bc.topic(), 1000);
      if (!v || v->leader != named)
        return status{errc::internal, "node " + std::to_string(named) +
                                          " acknowledged but does not report itself leader"};
      return f;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status{last.code(), "no acknowledgement within 15 s after killing leader node " +
                                 std::to_string(old) + ": " + last.message()};
}

} // namespace

int failover_run(const run_options& o) {
  std::fprintf(stderr, "failover: %d SIGKILLs of the leader, idempotent acks=all producer, "
                       "default timeouts\n", o.kills);
  bench_cluster bc("fo");
  if (auto st = bc.start(); !st) return fail("cluster: " + st.to_string());
  auto& nodes = bc.nodes();
  record_generator gen(42);
  uint64_t next = 0; // next record index = the producer's next sequence number
  std::vector<double> ack_ms, elect_ms;
  stopwatch total{60.0 + 20.0 * o.kills};
  for (int k = 1; k <= o.kills; ++k) {
    if (total.expired()) return fail("failover: time limit reached after " + std::to_string(k - 1) + " kills");
    // Steady state: two batches acknowledged by the current leader.
    for (int b = 0; b < 2; ++b) {
      auto req = batch_from(bc.topic(), gen, next);
      status st = produce_sync(bc.client(bc.leader()), req, 5000);
      if (!st) { // leadership moved on its own: find it and resend (same sequence)
        if (auto s2 = bc.settle(); !s2) return fail("failover: " + s2.to_string());
        st = produce_sync(bc.client(bc.leader()), req, 5000);
      }
      if (!st) return fail("failover: steady-state produce: " + st.to_string());
      next += records_per_batch;
    }
    const int old = bc.leader();
    auto req = batch_from(bc.topic(), gen, next);
    auto f = kill_and_follow(bc, req);
    if (!f) return fail("failover " + std::to_string(k) + ": " + f.error().to_string());
    next += records_per_batch;
    ack_ms.push_back(f->ack_ms);
    elect_ms.push_back(f->elect_ms);
    std::fprintf(stderr, "  kill %2d: leader %d killed; node %d named leader after %.0f ms, "
                         "acknowledged the in-flight batch after %.0f ms\n",
                 k, old, f->new_leader, f->elect_ms, f->ack_ms);
    bc.set_leader(f->new_leader);
    if (auto st = nodes.start(old); !st) return fail("restarting node " + std::to_string(old) + ": " + st.to_string());
    if (auto st = bc.reconnect(old); !st) return fail(st.to_string());
    if (auto st = wait_caught_up(bc, old, f->new_leader, 20); !st) return fail("failover: " + st.to_string());
  }
  // Every acknowledged record once, in order (the resent in-flight batches included).
  if (auto st = bc.settle(); !st) return fail("failover: " + st.to_string());
  auto rb = read_back(bc.client(bc.leader()), bc.topic(), next, o.readback_seconds);
  if (!rb) return fail("failover read-back: " + rb.error().to_string());
  const bool ok = rb->check.ok();
  if (!ok) std::fprintf(stderr, "cluster_bench: failover read-back: %s\n", rb->check.to_string().c_str());
  const double med = percentile_ms(ack_ms, 0.5), p99 = percentile_ms(ack_ms, 0.99),
               mx = percentile_ms(ack_ms, 1.0);
  std::printf("failover over %d leader kills: kill -> first ack on the new leader median %.0f ms, "
              "p99 %.0f ms, max %.0f ms (targets 500 / 1000 ms); kill -> new leader named median "
              "%.0f ms; %llu acknowledged records read back once, in order: %s\n",
              o.kills, med, p99, mx, percentile_ms(elect_ms, 0.5),
              static_cast<unsigned long long>(next), ok ? "ok" : "FAILED");
  print_figure("cluster_bench", "failover",
               {{"kills", std::to_string(o.kills)},
                {"median_ms", num(med, "%.0f")},
                {"p99_ms", num(p99, "%.0f")},
                {"max_ms", num(mx, "%.0f")},
                {"elect_median_ms", num(percentile_ms(elect_ms, 0.5), "%.0f")},
                {"records", std::to_string(next)},
                {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}

int catchup_run(const run_options& o) {
  bench_cluster bc("cu");
  if (auto st = bc.start(); !st) return fail("cluster: " + st.to_string());
  auto& nodes = bc.nodes();
  const int leader = bc.leader(), follower = leader % 3 + 1;
  const auto records = static_cast<uint64_t>(o.catchup_mb * 1e6 / record_bytes);
  std::fprintf(stderr, "catch-up: follower node %d killed, %.0f MB (%llu records) written "
                       "acks=all to leader node %d, then node %d restarted\n",
               follower, o.catchup_mb, static_cast<unsigned long long>(records), leader, follower);
  nodes.kill9(follower);
  record_generator gen(42);
  auto run = produce_window(bc.client(leader), bc.topic(), records, 600, o.batch, o.window, gen);
  if (!run) return fail("catch-up: writing: " + run.error().to_string());
  if (run->acked != records) return fail("catch-up: only " + std::to_string(run->acked) + " records acknowledged");
  std::fprintf(stderr, "  wrote %.1f MB with 2 of 3 replicas up in %.1f s (%.0f records/s)\n",
               run->acked * double(record_bytes) / 1e6, run->secs, run->acked / run->secs);
  auto lv = describe(bc.client(leader), bc.topic());
  if (!lv) return fail("catch-up: describe at the leader: " + lv.error().to_string());
  const int64_t target = lv->high_watermark;
  const auto t0 = std::chrono::steady_clock::now();
  if (auto st = nodes.start(follower); !st) return fail("restarting node " + std::to_string(follower) + ": " + st.to_string());
  const double ready_ms = ms_since(t0);
  if (auto st = bc.reconnect(follower); !st) return fail(st.to_string());
  double done_ms = -1;
  int64_t seen = -1;
  while (ms_since(t0) < 300000) {
    auto v = describe(bc.client(follower), bc.topic(), 1000);
    if (v) seen = v->high_watermark;
    if (v && v->high_watermark >= target) {
      done_ms = ms_since(t0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (done_ms < 0)
    return fail("catch-up: node " + std::to_string(follower) + " reached high watermark " +
                std::to_string(seen) + " of " + std::to_string(target) + " within 300 s");
  const double mb = static_cast<double>(run->acked) * record_bytes / 1e6;
  const double mbps = mb / (done_ms / 1e3);
  const double mbps_after_ready = mb / std::max(1e-3, (done_ms - ready_ms) / 1e3);
  // The caught-up replica serves every record once, in order.
  // (The high watermark counts offsets, which may include a leader's own entries besides the
  // records: the check is against the records acknowledged.)
  auto rb = read_back(bc.client(follower), bc.topic(), run->acked, o.readback_seconds);
  if (!rb) return fail("catch-up read-back: " + rb.error().to_string());
  const bool ok = rb->check.ok();
  if (!ok) std::fprintf(stderr, "cluster_bench: catch-up read-back: %s\n", rb->check.to_string().c_str());
  std::printf("catch-up: %.1f MB (record payload) in %.0f ms from the restart (ready line after "
              "%.0f ms): %.1f MB/s (%.1f MB/s after the ready line; target >= 100 MB/s); "
              "read-back on the follower: %s\n",
              mb, done_ms, ready_ms, mbps, mbps_after_ready, ok ? "ok" : "FAILED");
  print_figure("cluster_bench", "catchup",
               {{"mb", num(mb)},
                {"ms", num(done_ms, "%.0f")},
                {"ready_ms", num(ready_ms, "%.0f")},
                {"mbps", num(mbps)},
                {"mbps_after_ready", num(mbps_after_ready)},
                {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}

} // namespace pinpipe::bench::cluster
