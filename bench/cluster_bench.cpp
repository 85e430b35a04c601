// cluster_bench: the replicated log's figures of issue 13 ("Figures"), measured on real
// `pinpipe node` processes: a 3-node cluster on 127.0.0.1 (tests/cluster/cluster_harness.hpp)
// with one topic of 1 partition and 3 replicas, driven over ZeroMQ with pinpipe's transport
// client, always at the partition's leader (what a client that follows the leader does).
//
// Modes (--mode, default all):
//   throughput  acks=all, batches of --batch (256) records of 420 B, --window (1024)
//               records in flight: against ONE non-replicated node and against the
//               cluster's leader, alternately, --repeat (1) times each, in the same
//               invocation; RESULT lines of each system's median run, the ratio of the
//               medians R3 / single node; read-back of every run with a count and order check.
//   latency     single-record acks=all requests, one at a time: p50/p99/p99.9/max, on the
//               cluster's leader and on one node.
//   failover    --kills (20) times: an idempotent acks=all producer has a batch in flight to
//               the leader, the leader gets SIGKILL; the producer polls the live nodes'
//               metadata, resends the batch (same producer id and sequence) to the new leader;
//               time from the kill to that acknowledgement. The killed node is restarted and
//               caught up before the next kill. Then a read-back: every acknowledged record
//               once, in order. Median, p99, max (cluster_bench_faults.cpp).
//   catchup     SIGKILL a follower, write --catchup-mb (100) MB acks=all, restart it, time
//               until its own replica's high watermark equals the leader's; MB/s.
//   all         every mode in turn.
// Output: RESULT lines in bench/run-suite.sh's format (tier=replicated; systems
// pinpipe-r3 and pinpipe-1node), FIGURE lines for the ratio, failover and catch-up.
// Every run is bounded by a record count and a time limit; nodes are killed by pid.
// --quick: tiny sizes (the ctest cluster_bench_smoke_test).
// Exit status: 0 ok, 1 a read-back or consistency check failed, 2 setup, usage or server error.
#include <malloc.h>

#include <algorithm>

#include "bench/bench_util.hpp"
#include "bench/cluster_bench.hpp"
#include "tests/node/node_process.hpp"

namespace pinpipe::bench::cluster {
namespace {

const char* usage =
    "usage: cluster_bench [--mode throughput|latency|failover|catchup|all] [--quick]\n"
    "  [--records N] [--seconds S] [--batch N] [--window N] [--repeat N]  (throughput)\n"
    "  [--acks all|1]  (throughput; 1 = answered once the leader wrote it, a diagnostic)\n"
    "  [--latency-records N] [--latency-seconds S]                (latency)\n"
    "  [--kills N]                                                (failover)\n"
    "  [--catchup-mb MB]                                          (catch-up)\n"
    "  [--readback-seconds S]\n";

result<run_options> parse(int argc, char** argv) {
  bench::flags f(argc, argv, {"--quick", "--help", "-h"});
  if (f.has("--help") || f.has("-h")) return status{errc::invalid_argument, ""};
  run_options o;
  if (f.has("--quick")) {
    o.records = 20'000;
    o.seconds = 2;
    o.latency_records = 300;
    o.latency_seconds = 1;
    o.kills = 2;
    o.catchup_mb = 4;
    o.readback_seconds = 20;
  }
  o.mode = f.str("--mode", o.mode);
  o.records = static_cast<uint64_t>(f.integer("--records", static_cast<long long>(o.records)));
  o.seconds = f.dbl("--seconds", o.seconds);
  o.batch = static_cast<int>(f.integer("--batch", o.batch));
  o.window = static_cast<int>(f.integer("--window", o.window));
  o.latency_records = static_cast<uint64_t>(
      f.integer("--latency-records", static_cast<long long>(o.latency_records)));
  o.latency_seconds = f.dbl("--latency-seconds", o.latency_seconds);
  o.kills = static_cast<int>(f.integer("--kills", o.kills));
  o.repeat = static_cast<int>(f.integer("--repeat", o.repeat));
  const std::string acks = f.str("--acks", "all");
  if (acks != "all" && acks != "1")
    return status{errc::invalid_argument, "--acks " + acks + ": want all (default) or 1"};
  o.acks = acks == "1" ? 1 : -1;
  o.catchup_mb = f.dbl("--catchup-mb", o.catchup_mb);
  o.readback_seconds = f.dbl("--readback-seconds", o.readback_seconds);
  auto unknown = f.unknown({"--quick", "--mode", "--records", "--seconds", "--batch", "--window",
                            "--latency-records", "--latency-seconds", "--kills", "--repeat", "--acks", "--catchup-mb",
                            "--readback-seconds"});
  if (!unknown.empty()) return status{errc::invalid_argument, "unknown or bad flag: " + unknown[0]};
  const std::string modes = " throughput latency failover catchup all ";
  if (modes.find(" " + o.mode + " ") == std::string::npos)
    return status{errc::invalid_argument, "--mode " + o.mode + ": want one of" + modes};
  if (o.records < 1 || o.seconds <= 0 || o.seconds > 3600)
    return status{errc::invalid_argument, "--records >= 1 and 0 < --seconds <= 3600, please"};
  if (o.batch < 1 || o.batch > 65536 || o.window < o.batch)
    return status{errc::invalid_argument, "want 1 <= --batch <= 65536 and --window >= --batch"};
  if (o.latency_records < 1 || o.latency_seconds <= 0 || o.latency_seconds > 3600)
    return status{errc::invalid_argument, "--latency-records >= 1 and 0 < --latency-seconds <= 3600"};
  if (o.kills < 1 || o.kills > 1000) return status{errc::invalid_argument, "--kills: want 1..1000"};
  if (o.repeat < 1 || o.repeat > 20) return status{errc::invalid_argument, "--repeat: want 1..20"};
  if (o.catchup_mb <= 0 || o.catchup_mb > 10000)
    return status{errc::invalid_argument, "--catchup-mb: want 0 < MB <= 10000"};
  if (o.readback_seconds <= 0) return status{errc::invalid_argument, "--readback-seconds: want > 0"};
  return o;
}

run_result base_result(const std::string& system, bench_mode mode) {
  run_result r;
  r.system = system;
  r.tier = "replicated";
  r.fsync = system == "pinpipe-r3" ? "group-r3" : "group"; // r3: a majority fsynced it
  r.mode = mode;
  r.client = "libzmq";
  return r;
}

/// Throughput of one endpoint: produce, then read back and check. Prints nothing.
result<run_result> throughput_at(transport::client& c, const std::string& system,
                                 const std::string& topic, const run_options& o) {
  record_generator gen(42);
  auto run = produce_window(c, topic, o.records, o.seconds, o.batch, o.window, gen, -1, 0,
                            static_cast<int8_t>(o.acks));
  if (!run) return status{run.error().code(), system + " produce: " + run.error().message()};
  auto rb = read_back(c, topic, run->acked, o.readback_seconds);
  if (!rb) return rb.error();
  auto res = base_result(system, bench_mode::throughput);
  res.batch = o.batch;
  if (o.acks == 1) res.fsync = "none-acks1"; // answered once the leader wrote it
  res.records = run->acked;
  res.secs = run->secs;
  res.readback_records = rb->records;
  res.readback_secs = rb->secs;
  res.check_ok = rb->check.ok();
  if (!res.check_ok)
    std::fprintf(stderr, "cluster_bench: %s read-back: %s\n", system.c_str(),
                 rb->check.to_string().c_str());
  return res;
}

double rps_of(const run_result& r) { return r.records / std::max(r.secs, 1e-9); }

/// The run with the median records/s (the lower middle one for an even count).
run_result median_run(std::vector<run_result> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const run_result& a, const run_result& b) { return rps_of(a) < rps_of(b); });
  return runs[(runs.size() - 1) / 2];
}

/// Single-record acks=all latency at one endpoint; prints the RESULT line.
result<bool> latency_at(transport::client& c, const std::string& system, const std::string& topic,
                        const run_options& o) {
  options lo;
  lo.records = o.latency_records;
  lo.seconds = o.latency_seconds;
  record_generator gen(42);
  auto run = run_latency(lo, gen, [&](uint64_t, std::string_view rec) -> status {
    auto req = make_produce(topic);
    add_record(req, rec);
    auto r = transport::request(c, req, rpc_timeout_ms);
    if (!r) return r.error();
    return msg::status_of(*r);
  });
  if (!run) return status{run.error().code(), system + " latency: " + run.error().message()};
  auto rb = read_back(c, topic, run->acked, o.readback_seconds);
  if (!rb) return rb.error();
  auto res = base_result(system, bench_mode::latency);
  res.records = run->acked;
  res.secs = run->secs;
  res.latency = summarize_ns(std::move(run->latencies_ns));
  res.readback_records = rb->records;
  res.readback_secs = rb->secs;
  res.check_ok = rb->check.ok();
  std::printf("%s\n", format_result_line(res).c_str());
  std::fflush(stdout);
  if (!res.check_ok)
    std::fprintf(stderr, "cluster_bench: %s read-back: %s\n", system.c_str(),
                 rb->check.to_string().c_str());
  return res.check_ok;
}

/// One non-replicated node (no [cluster] section), the same client and workload.
struct single_node {
  bench::temp_dir dir{"cluster-bench-1node"};
  std::unique_ptr<test::node_process> node;
  std::unique_ptr<transport::client> client;
  status start() {
    test::node_settings ns;
    ns.work_dir = dir.path();
    node = std::make_unique<test::node_process>(ns);
    if (auto st = node->start(); !st) return st;
    auto c = connect(node->endpoint(), "cluster_bench-1node");
    if (!c) return c.error();
    client = std::move(*c);
    return {};
  }
};

int throughput_run(const run_options& o) {
  std::fprintf(stderr, "throughput: one node and 3 nodes (R3) alternately, %d time(s) each, "
                       "acks=all, batches of %d, window %d records, at most %llu records / "
                       "%.0f s per run\n",
               o.repeat, o.batch, o.window, static_cast<unsigned long long>(o.records), o.seconds);
  // Both stay up for the whole mode (the idle one costs little: heartbeats every 50 ms), so
  // the runs can alternate and a slow minute of the shared disk hits both systems.
  single_node one;
  if (auto st = one.start(); !st) return fail("single node: " + st.to_string());
  bench_cluster bc("tp-1");
  if (auto st = bc.start(); !st) return fail("cluster: " + st.to_string());
  std::vector<run_result> singles, r3s;
  std::string ratios;
  for (int rep = 1; rep <= o.repeat; ++rep) {
    const std::string topic = "tp-" + std::to_string(rep);
    if (auto st = create_topic(*one.client, topic); !st) return fail(st.to_string());
    auto s1 = throughput_at(*one.client, "pinpipe-1node", topic, o);
    if (!s1) return fail(s1.error().to_string());
    if (rep > 1)
      if (auto st = bc.use_topic(topic); !st) return fail("cluster: " + st.to_string());
    auto s3 = throughput_at(bc.client(bc.leader()), "pinpipe-r3", topic, o);
    if (!s3) return fail(s3.error().to_string());
    if (!s1->check_ok || !s3->check_ok) {
      std::printf("%s\n%s\n", format_result_line(*s1).c_str(), format_result_line(*s3).c_str());
      return 1;
    }
    const double ratio = rps_of(*s3) / std::max(rps_of(*s1), 1e-9);
    ratios += (ratios.empty() ? "" : ",") + num(ratio, "%.3f");
    std::fprintf(stderr, "  run %d: one node %.0f records/s, R3 (leader node %d) %.0f records/s: "
                         "%.2fx\n", rep, rps_of(*s1), bc.leader(), rps_of(*s3), ratio);
    singles.push_back(*s1);
    r3s.push_back(*s3);
  }
  const run_result m1 = median_run(singles);
  const run_result m3 = median_run(r3s);
  std::printf("%s\n%s\n", format_result_line(m1).c_str(), format_result_line(m3).c_str());
  const double single_rps = rps_of(m1), r3_rps = rps_of(m3);
  const double ratio = r3_rps / std::max(single_rps, 1e-9);
  std::printf("replicated acks=%s (median of %d): %.0f records/s = %.1f MB/s, %.2fx the single "
              "node's %.0f records/s (target >= 0.40x); per run: %s\n",
              o.acks == 1 ? "1" : "all", o.repeat, r3_rps, r3_rps * record_bytes / 1e6, ratio,
              single_rps, ratios.c_str());
  print_figure("cluster_bench", o.acks == 1 ? "throughput-ratio-acks1" : "throughput-ratio",
               {{"runs", std::to_string(o.repeat)},
                {"r3_rps", num(r3_rps, "%.0f")},
                {"r3_mbps", num(r3_rps * record_bytes / 1e6)},
                {"single_rps", num(single_rps, "%.0f")},
                {"ratio", num(ratio, "%.3f")},
                {"ratios", ratios}});
  return 0;
}

int latency_run(const run_options& o) {
  std::fprintf(stderr, "latency: single-record acks=all, one at a time, at most %llu records "
                       "/ %.0f s, on the R3 leader, then on one node\n",
               static_cast<unsigned long long>(o.latency_records), o.latency_seconds);
  bool ok = true;
  {
    bench_cluster bc("lat");
    if (auto st = bc.start(); !st) return fail("cluster: " + st.to_string());
    auto r = latency_at(bc.client(bc.leader()), "pinpipe-r3", "lat", o);
    if (!r) return fail(r.error().to_string());
    ok = ok && *r;
  }
  single_node one;
  if (auto st = one.start(); !st) return fail("single node: " + st.to_string());
  if (auto st = create_topic(*one.client, "lat"); !st) return fail(st.to_string());
  auto r = latency_at(*one.client, "pinpipe-1node", "lat", o);
  if (!r) return fail(r.error().to_string());
  ok = ok && *r;
  return ok ? 0 : 1;
}

} // namespace
} // namespace pinpipe::bench::cluster

int main(int argc, char** argv) {
  using namespace pinpipe::bench::cluster;
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  auto o = parse(argc, argv);
  if (!o) {
    if (!o.error().message().empty()) std::fprintf(stderr, "cluster_bench: %s\n", o.error().message().c_str());
    std::fprintf(stderr, "%s", usage);
    return o.error().message().empty() ? 0 : 2;
  }
  const bool all = o->mode == "all";
  int rc = 0;
  auto step = [&](const char* mode, int (*fn)(const run_options&)) {
    if (rc == 2 || (!all && o->mode != mode)) return;
    rc = std::max(rc, fn(*o));
  };
  step("throughput", throughput_run);
  step("latency", latency_run);
  step("failover", failover_run);
  step("catchup", catchup_run);
  return rc;
}
