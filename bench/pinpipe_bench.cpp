// pinpipe_bench: the log through a real node process, over ZeroMQ with the transport client.
// It starts its OWN `pinpipe node` ($PINPIPE_BIN, or the pinpipe binary of this build tree)
// with a temp data dir and config and a free 127.0.0.1 port, waits for "serving on", drives
// it, and stops it by pid at the end (tests/node/node_process.hpp, shared with the tests).
// With --port it uses a running node instead.
//
// Modes (the first two are the pinpipe side of bench/run-suite.sh, docs/benchmarks.md):
//   --mode throughput  `--window` (256) records outstanding, one record per request (or
//                      --batch N per request); then a read-back of everything (fetch) with a
//                      count and order check; prints the suite's RESULT line.
//   --mode latency     1 outstanding, per-record ack latency p50/p99/p99.9/max; read-back.
//   --tier durable = acks=all (answered after fsync, group commit); relaxed = acks=1.
//   --matrix           the issue-2 matrix: acks=1/all x 1/8 connections x batches of
//                      1/16/256 records, one batch outstanding per connection; records/s,
//                      MB/s, per-request ack latency p50/p99/p99.9; count check per case.
//   --restart-gib G    footprint: writes G GiB (acks=1, batches of 256), SIGKILLs the node,
//                      restarts it on the same data and times fork -> ready line -> first
//                      answered fetch at the end of the log. Skipped with a message when the
//                      temp dir has less than 3 G GiB free.
// Every mode also prints a footprint FIGURE line: start -> serving ms, idle RSS, RSS peak.
//
//   pinpipe_bench --mode throughput|latency --tier durable|relaxed --seconds S --records N
//                 [--window W] [--batch N] [--readback-batch B] [--readback-seconds S]
//                 [--seed X] [--host H --port P] [--fault-skip-readback N]
//   pinpipe_bench --matrix [--case-seconds S] [--quick]
//   pinpipe_bench --restart-gib G
// Exit status: 0 ok, 1 a read-back/count check failed, 2 setup, usage or server error.
#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <malloc.h>

#include "bench/bench_util.hpp"
#include "tests/node/node_process.hpp"
#include "bench/peers/bench_common.hpp"
#include "messages/codec.hpp"
#include "messages/fast_codec.hpp"
#include "messages/log_api.hpp"
#include "transport/client.hpp"

namespace {

using namespace pinpipe;
namespace msg = pinpipe::messages;

constexpr int rpc_timeout_ms = 30000;
constexpr size_t fetches_in_flight = 8; ///< read-back: fetch requests outstanding

/// Flags beyond the shared ones of bench_common (which refuses flags it does not know).
struct extra_flags {
  bool matrix = false;
  bool quick = false;
  double case_seconds = 2;
  int batch = 1;
  double restart_gib = 0;
  int32_t flush_delay_us = 0;
  std::vector<std::string> node_lines, log_lines; ///< from --set node.KEY=V / log.KEY=V
};

const char* extra_usage =
    "pinpipe_bench also takes: [--batch N] (records per produce request, throughput mode)\n"
    "  [--flush-delay-us N] (node's [log] flush_max_delay_us)\n"
    "  [--set node.KEY=VALUE | log.KEY=VALUE]... (extra lines of the node's config, e.g.\n"
    "   --set log.preallocate=false --set node.spin_us=0; the node checks them)\n"
    "  --matrix [--case-seconds S] [--quick]   the acks x connections x batch matrix\n"
    "  --restart-gib G                         restart-after-SIGKILL with G GiB of log";

/// Splits argv into our extra flags and the rest (for bench::parse_options).
result<std::vector<const char*>> split_args(int argc, char** argv, extra_flags& x) {
  std::vector<const char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](double& out) -> status {
      if (i + 1 >= argc) return {errc::invalid_argument, a + " needs a value"};
      char* end = nullptr;
      out = std::strtod(argv[++i], &end);
      if (*end != '\0' || out < 0) return {errc::invalid_argument, a + ": bad number"};
      return {};
    };
    double v = 0;
    if (a == "--matrix") {
      x.matrix = true;
    } else if (a == "--quick") {
      x.quick = true;
    } else if (a == "--case-seconds") {
      if (auto st = value(x.case_seconds); !st) return st;
    } else if (a == "--batch") {
      if (auto st = value(v); !st) return st;
      if (v < 1 || v > 65536) return status{errc::invalid_argument, "--batch: want 1..65536"};
      x.batch = static_cast<int>(v);
    } else if (a == "--restart-gib") {
      if (auto st = value(x.restart_gib); !st) return st;
    } else if (a == "--set") {
      if (i + 1 >= argc) return status{errc::invalid_argument, "--set needs SECTION.KEY=VALUE"};
      const std::string kv = argv[++i];
      const auto dot = kv.find('.'), eq = kv.find('=');
      if (dot == std::string::npos || eq == std::string::npos || eq < dot + 2 ||
          eq + 1 == kv.size())
        return status{errc::invalid_argument,
                      "--set " + kv + ": want node.KEY=VALUE or log.KEY=VALUE"};
      const std::string section = kv.substr(0, dot);
      const std::string line = kv.substr(dot + 1, eq - dot - 1) + " = " + kv.substr(eq + 1);
      if (section == "node") {
        x.node_lines.push_back(line);
      } else if (section == "log") {
        x.log_lines.push_back(line);
      } else {
        return status{errc::invalid_argument, "--set " + kv + ": the section must be node or log"};
      }
    } else if (a == "--flush-delay-us") {
      if (auto st = value(v); !st) return st;
      x.flush_delay_us = static_cast<int32_t>(v);
    } else {
      rest.push_back(argv[i]);
    }
  }
  return rest;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "pinpipe_bench: %s\n", what.c_str());
  return 2;
}

result<std::unique_ptr<transport::client>>
connect(const std::string& endpoint, const std::string& name) {
  transport::client_options co;
  co.endpoint = endpoint;
  co.name = name;
  return transport::client::connect(co);
}

status create_topic(transport::client& c, const std::string& name) {
  msg::create_topic_request req;
  req.name = name;
  req.config.partitions = 1;
  auto r = transport::request(c, req, rpc_timeout_ms);
  if (!r) return r.error();
  if (r->error == errc::topic_exists) return {};
  return msg::status_of(*r);
}

result<int64_t> high_watermark(transport::client& c, const std::string& topic) {
  msg::list_offsets_request req;
  req.topic = topic;
  req.spec = 1;
  auto r = transport::request(c, req, rpc_timeout_ms);
  if (!r) return r.error();
  if (auto st = msg::status_of(*r); !st) return st;
  return r->offset.get();
}

msg::produce_request make_produce(const std::string& topic, int8_t acks) {
  msg::produce_request req;
  req.topic = topic;
  req.partition = partition_id{0};
  req.acks = acks;
  return req;
}

void add_record(msg::produce_request& req, std::string_view value) {
  msg::wire_record r;
  r.value.assign(value.data(), value.size());
  req.records.push_back(std::move(r));
}

// --- throughput: a window of outstanding records ---------------------------------------------

struct window_run {
  uint64_t acked = 0;
  double secs = 0;
};

result<window_run> run_window(transport::client& c, const std::string& topic, int8_t acks,
                              const bench::options& o, int batch, bench::record_generator& gen) {
  std::unordered_map<uint64_t, int> inflight; // correlation id -> records
  int outstanding = 0;
  uint64_t next = 0;
  window_run run;
  bench::stopwatch total{o.seconds};
  bool stop = false;
  // The next request is built and encoded as soon as the previous one is sent, so that
  // building it overlaps with the node's work on what is in flight (a Kafka producer fills
  // its next batch the same way). It is sent once the window has room for it.
  struct prepared {
    std::string bytes;
    uint64_t id = 0;
    int n = 0;
  };
  std::optional<prepared> ready;
  auto prepare = [&] {
    if (next >= o.records) return;
    prepared p;
    p.n = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(batch), o.records - next));
    auto req = make_produce(topic, acks);
    for (int k = 0; k < p.n; ++k)
      add_record(req, gen.make(next + static_cast<uint64_t>(k)));
    p.id = c.next_correlation_id();
    p.bytes = msg::encode_envelope(msg::msg_type::produce_request, p.id, c.name(),
                                   msg::encode_payload(req));
    next += static_cast<uint64_t>(p.n);
    ready = std::move(p);
  };
  prepare();
  for (;;) {
    while (!stop && ready && (outstanding == 0 || outstanding + ready->n <= o.window)) {
      if (auto st = c.send_raw(ready->bytes); !st) return st;
      inflight[ready->id] = ready->n;
      outstanding += ready->n;
      ready.reset();
      if (total.expired())
        stop = true;
      else
        prepare();
    }
    if (inflight.empty()) break;
    // Wait for one reply, then take every reply already queued before refilling the window:
    // the next requests then leave as one burst (as hiredis does with its pipeline).
    for (int timeout = rpc_timeout_ms;; timeout = 0) {
      auto rep = c.receive(timeout);
      if (!rep && timeout == 0 && rep.error().code() == errc::timeout) break;
      if (!rep)
        return status{rep.error().code(), "waiting for produce acks: " + rep.error().message()};
      auto it = inflight.find(rep->correlation_id);
      if (it == inflight.end()) continue; // a stray reply
      auto r = msg::open_envelope<msg::produce_response>(*rep);
      if (!r) return r.error();
      if (auto st = msg::status_of(*r); !st) return st;
      run.acked += static_cast<uint64_t>(it->second);
      outstanding -= it->second;
      inflight.erase(it);
    }
    if (total.expired()) stop = true;
  }
  run.secs = total.elapsed_s();
  return run;
}

// --- read-back -------------------------------------------------------------------------------

struct readback_run {
  uint64_t records = 0;
  double secs = 0;
  status check;
};

/// Reads [0, high watermark) back with up to `fetches_in_flight` fetches in flight: the range is
/// cut into chunks of `readback_batch` records, each fetched from its first offset (a short answer
/// is continued from where it stopped); chunks are checked in offset order as they complete.
result<readback_run> read_back(transport::client& c, const std::string& topic, uint64_t expected,
                               const bench::options& o) {
  bench::readback_check chk(expected, o.fault_skip_readback);
  bench::stopwatch sw{o.readback_seconds};
  auto hw = high_watermark(c, topic);
  if (!hw) return hw.error();
  const int64_t chunk = o.readback_batch;
  // 420-byte values plus the log's per-record overhead; a short answer is simply continued.
  const int32_t max_bytes = static_cast<int32_t>(std::min<int64_t>(chunk * 520, 64 << 20));
  struct piece {
    int64_t next, end;               // offsets still wanted: [next, end)
    std::vector<std::string> values; // what arrived, in order
    bool done = false;
  };
  std::map<int64_t, piece> chunks;                // by first offset
  msg::fast::fetch_view fv;                       // the reply being read
  std::unordered_map<uint64_t, int64_t> inflight; // correlation id -> chunk start
  int64_t next_chunk = 0;
  auto send = [&](int64_t start) -> status {
    msg::fetch_request req;
    req.topic = topic;
    req.offset = offset_t{chunks[start].next};
    req.max_bytes = max_bytes;
    const uint64_t id = c.next_correlation_id();
    if (auto st = c.send(msg::make_envelope(req, id, c.name(), "broker")); !st) return st;
    inflight[id] = start;
    return {};
  };
  while ((next_chunk < *hw || !inflight.empty()) && !sw.expired()) {
    while (next_chunk < *hw && inflight.size() < fetches_in_flight) {
      chunks[next_chunk] = piece{next_chunk, std::min(*hw, next_chunk + chunk), {}};
      if (auto st = send(next_chunk); !st) return st;
      next_chunk += chunk;
    }
    // The reply is read in place (messages/fast_codec.hpp); records of the chunk being
    // checked go straight to the check, others are kept until their turn.
    int64_t start = -1;
    bool empty = false;
    status bad;
    auto st = c.receive_bytes(rpc_timeout_ms, [&](std::string_view bytes) {
      if (!msg::fast::read_fetch_response(bytes, fv)) { // an error reply: decode it generically
        auto env = msg::decode_envelope(bytes);
        if (!env) {
          bad = env.error();
        } else if (inflight.count(env->correlation_id)) {
          auto r = msg::open_envelope<msg::fetch_response>(*env);
          bad = r ? status{errc::malformed_message, "fetch response not in canonical form"}
                  : r.error();
        }
        return;
      }
      auto it = inflight.find(fv.correlation_id);
      if (it == inflight.end()) return; // a stray reply
      start = it->second;
      inflight.erase(it);
      if (fv.error != errc::ok) {
        bad = status{fv.error, std::string(fv.message)};
        return;
      }
      piece& pc = chunks[start];
      const bool head = chunks.begin()->first == start;
      if (head) {
        for (const auto& v : pc.values)
          chk.add(v);
        pc.values.clear();
      }
      for (const auto& rec : fv.records) {
        if (rec.offset < pc.next) continue;
        if (rec.offset >= pc.end) break;
        if (head)
          chk.add(rec.value);
        else
          pc.values.emplace_back(rec.value);
        pc.next = rec.offset + 1;
      }
      empty = fv.records.empty();
    });
    if (!st) return status{st.code(), "read-back: " + st.message()};
    if (!bad.ok()) return bad;
    if (start < 0) continue;
    piece& pc = chunks[start];
    if (empty || pc.next >= pc.end) {
      pc.done = true; // an empty answer ends the chunk early; the count check reports it
    } else if (auto st2 = send(start); !st2) {
      return st2;
    }
    // Check completed chunks in order.
    while (!chunks.empty() && chunks.begin()->second.done) {
      for (const auto& v : chunks.begin()->second.values)
        chk.add(v);
      chunks.erase(chunks.begin());
    }
  }
  readback_run rb;
  rb.secs = sw.elapsed_s();
  rb.records = chk.count();
  rb.check = chk.finish();
  return rb;
}

// --- the suite's run ---------------------------------------------------------------------------

int suite_run(const bench::options& o, const extra_flags& x, const std::string& endpoint,
              test::node_process* node) {
  const bool durable = o.tier == "durable";
  const int8_t acks = durable ? -1 : 1;
  auto c = connect(endpoint, "pinpipe_bench");
  if (!c) return fail(c.error().to_string());
  const std::string topic =
      o.stream.empty() ? "bench-" + std::string(bench::to_string(o.mode)) : o.stream;
  if (auto st = create_topic(**c, topic); !st) return fail("create topic: " + st.to_string());
  auto start_hw = high_watermark(**c, topic);
  if (!start_hw) return fail(start_hw.error().to_string());
  if (*start_hw != 0) return fail("topic '" + topic + "' is not empty; give another --stream name");

  bench::record_generator gen(o.seed);
  bench::run_result res;
  res.system = "pinpipe";
  res.tier = o.tier;
  res.fsync = durable ? "group" : "on-roll";
  res.mode = o.mode;
  res.client = "libzmq";
  if (o.mode == bench::bench_mode::throughput) {
    auto run = run_window(**c, topic, acks, o, x.batch, gen);
    if (!run) return fail("produce: " + run.error().to_string());
    res.batch = x.batch;
    res.records = run->acked;
    res.secs = run->secs;
  } else {
    auto run = bench::run_latency(o, gen, [&](uint64_t, std::string_view rec) -> status {
      auto req = make_produce(topic, acks);
      add_record(req, rec);
      auto r = transport::request(**c, req, rpc_timeout_ms);
      if (!r) return r.error();
      return msg::status_of(*r);
    });
    if (!run) return fail("produce: " + run.error().to_string());
    res.records = run->acked;
    res.secs = run->secs;
    res.latency = bench::summarize_ns(std::move(run->latencies_ns));
  }
  const test::rss_info under_load = node ? node->rss() : test::rss_info{};
  auto rb = read_back(**c, topic, res.records, o);
  if (!rb) return fail("read-back: " + rb.error().to_string());
  res.readback_records = rb->records;
  res.readback_secs = rb->secs;
  res.check_ok = rb->check.ok();
  std::printf("%s\n", bench::format_result_line(res).c_str());
  std::fflush(stdout);
  if (!res.check_ok) std::fprintf(stderr, "pinpipe_bench: %s\n", rb->check.to_string().c_str());
  if (node) {
    const auto after = node->rss();
    bench::print_figure("pinpipe_node",
                        std::string("footprint-") + o.tier + "-" + bench::to_string(o.mode),
                        {{"start_ms", bench::num(node->start_ms())},
                         {"rss_under_load_mb", bench::num(under_load.rss_mb)},
                         {"peak_rss_mb", bench::num(std::max(after.peak_mb, under_load.peak_mb))}});
  }
  return res.check_ok ? 0 : 1;
}

// --- the issue-2 matrix ------------------------------------------------------------------------

struct matrix_case {
  int8_t acks;
  int connections;
  int batch;
};

int matrix_run(const extra_flags& x, const std::string& endpoint, test::node_process* node) {
  const double secs = x.quick ? std::min(x.case_seconds, 0.5) : x.case_seconds;
  std::printf("| acks | connections | batch | records/s | MB/s | ack p50 us | ack p99 us | "
              "ack p99.9 us | check | load |\n|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
  std::fflush(stdout);
  int rc = 0;
  int case_no = 0;
  for (int8_t acks : {int8_t{1}, int8_t{-1}})
    for (int conns : {1, 8})
      for (int batch : {1, 16, 256}) {
        const std::string topic = "matrix-" + std::to_string(++case_no);
        {
          auto c = connect(endpoint, "matrix-setup");
          if (!c) return fail(c.error().to_string());
          if (auto st = create_topic(**c, topic); !st) return fail(st.to_string());
        }
        std::atomic<uint64_t> acked{0};
        std::atomic<bool> failed{false};
        std::mutex mu;
        std::vector<uint64_t> lat_ns;
        std::string first_error;
        bench::stopwatch sw;
        std::vector<std::thread> ts;
        for (int t = 0; t < conns; ++t)
          ts.emplace_back([&, t] {
            auto c = connect(endpoint, "matrix-" + std::to_string(t));
            if (!c) {
              failed = true;
              return;
            }
            bench::record_generator gen(1000 + static_cast<uint64_t>(t));
            std::vector<uint64_t> mine;
            uint64_t i = 0;
            bench::stopwatch mine_sw{secs};
            while (!mine_sw.expired() && !failed) {
              auto req = make_produce(topic, acks);
              for (int k = 0; k < batch; ++k)
                add_record(req, gen.make(i++));
              bench::stopwatch one;
              auto r = transport::request(**c, req, rpc_timeout_ms);
              status st = r ? msg::status_of(*r) : r.error();
              if (!st) {
                std::lock_guard<std::mutex> lk(mu);
                if (first_error.empty()) first_error = st.to_string();
                failed = true;
                break;
              }
              mine.push_back(one.elapsed_ns());
              acked += static_cast<uint64_t>(batch);
            }
            std::lock_guard<std::mutex> lk(mu);
            lat_ns.insert(lat_ns.end(), mine.begin(), mine.end());
          });
        for (auto& th : ts)
          th.join();
        const double el = sw.elapsed_s();
        if (failed) {
          std::fprintf(stderr, "matrix case %d failed: %s\n", case_no, first_error.c_str());
          return 2;
        }
        auto c = connect(endpoint, "matrix-check");
        auto hw = c ? high_watermark(**c, topic) : result<int64_t>(c.error());
        const bool ok = hw && static_cast<uint64_t>(*hw) == acked.load();
        if (!ok) rc = 1;
        auto s = bench::summarize_ns(lat_ns);
        const double rps = acked / el;
        const double mbps = rps * bench::record_bytes / 1e6;
        const char* acks_s = acks == 1 ? "1" : "all";
        std::printf("| %s | %d | %d | %.0f | %.1f | %.0f | %.0f | %.0f | %s | %s |\n", acks_s,
                    conns, batch, rps, mbps, s.p50_us, s.p99_us, s.p999_us, ok ? "ok" : "FAILED",
                    bench::load_average().c_str());
        bench::print_figure("pinpipe_matrix",
                            std::string("acks") + acks_s + "-c" + std::to_string(conns) + "-b" +
                                std::to_string(batch),
                            {{"records", std::to_string(acked.load())},
                             {"secs", bench::num(el, "%.3f")},
                             {"rps", bench::num(rps, "%.0f")},
                             {"mbps", bench::num(mbps, "%.1f")},
                             {"p50_us", bench::num(s.p50_us)},
                             {"p99_us", bench::num(s.p99_us)},
                             {"p999_us", bench::num(s.p999_us)},
                             {"check", ok ? "ok" : "failed"}});
      }
  if (node) {
    const auto r = node->rss();
    bench::print_figure("pinpipe_node", "footprint-matrix",
                        {{"start_ms", bench::num(node->start_ms())},
                         {"rss_mb", bench::num(r.rss_mb)},
                         {"peak_rss_mb", bench::num(r.peak_mb)}});
  }
  return rc;
}

// --- restart after SIGKILL with a big log --------------------------------------------------

int restart_run(const extra_flags& x, const std::string& work_dir) {
  struct statvfs fs {};
  if (::statvfs(work_dir.c_str(), &fs) != 0) return fail("statvfs " + work_dir + " failed");
  const double free_gib = double(fs.f_bavail) * double(fs.f_frsize) / double(1ULL << 30);
  if (free_gib < 3 * x.restart_gib) {
    std::printf("restart test SKIPPED: %.1f GiB free under %s, need %.1f GiB (3 x %.1f)\n",
                free_gib, work_dir.c_str(), 3 * x.restart_gib, x.restart_gib);
    bench::print_figure("pinpipe_node", "restart",
                        {{"skipped", "low-disk"}, {"free_gib", bench::num(free_gib)}});
    return 0;
  }
  test::node_settings ns;
  ns.work_dir = work_dir;
  ns.flush_max_delay_us = x.flush_delay_us;
  ns.node_lines = x.node_lines;
  ns.log_lines = x.log_lines;
  test::node_process node(ns);
  if (auto st = node.start(); !st) return fail(st.to_string());
  auto c = connect(node.endpoint(), "restart-writer");
  if (!c) return fail(c.error().to_string());
  const std::string topic = "restart";
  if (auto st = create_topic(**c, topic); !st) return fail(st.to_string());
  bench::options o;
  o.records = static_cast<uint64_t>(x.restart_gib * double(1ULL << 30) / bench::record_bytes);
  o.seconds = 3600;
  o.window = 1024;
  bench::record_generator gen(7);
  auto w = run_window(**c, topic, 1, o, 256, gen);
  if (!w) return fail("writing: " + w.error().to_string());
  std::printf("wrote %llu records (%.2f GiB of payload) in %.1f s\n",
              static_cast<unsigned long long>(w->acked),
              w->acked * double(bench::record_bytes) / double(1ULL << 30), w->secs);
  c->reset();
  node.kill9();
  bench::stopwatch sw;
  if (auto st = node.start(120); !st) return fail("restart: " + st.to_string());
  const double ready_ms = node.start_ms();
  // Ready = the node answers a fetch at the end of the log.
  auto c2 = connect(node.endpoint(), "restart-reader");
  if (!c2) return fail(c2.error().to_string());
  auto hw = high_watermark(**c2, topic);
  if (!hw) return fail("after restart: " + hw.error().to_string());
  msg::fetch_request fr;
  fr.topic = topic;
  fr.offset = offset_t{std::max<int64_t>(0, *hw - 1)};
  auto f = transport::request(**c2, fr, rpc_timeout_ms);
  const double served_ms = sw.elapsed_s() * 1e3;
  const bool ok = f && f->error == errc::ok && static_cast<uint64_t>(*hw) == w->acked;
  std::printf("restart after SIGKILL with %.2f GiB: ready line after %.0f ms, first fetch at "
              "the end answered after %.0f ms; high watermark %lld of %llu acked (%s)\n",
              x.restart_gib, ready_ms, served_ms, static_cast<long long>(*hw),
              static_cast<unsigned long long>(w->acked), ok ? "ok" : "FAILED");
  bench::print_figure("pinpipe_node", "restart",
                      {{"gib", bench::num(x.restart_gib, "%.2f")},
                       {"ready_ms", bench::num(ready_ms)},
                       {"served_ms", bench::num(served_ms)},
                       {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  // Read-back replies are ~0.5 MiB each: keep them off fresh mmaps (as the node does).
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  extra_flags x;
  auto rest = split_args(argc, argv, x);
  if (!rest) return fail(rest.error().message() + "\n" + extra_usage);
  auto parsed = bench::parse_options(static_cast<int>(rest->size()), rest->data());
  if (!parsed) {
    std::fprintf(stderr, "%s\n%s\n", parsed.error().message().c_str(), extra_usage);
    return 2;
  }
  bench::options o = *parsed;
  if (o.tier != "durable" && o.tier != "relaxed") return fail("--tier: want durable or relaxed");

  bench::temp_dir work("pinpipe-bench");
  if (x.restart_gib > 0) return restart_run(x, work.path());

  std::unique_ptr<test::node_process> node;
  std::string endpoint;
  if (o.port != 0) {
    endpoint = "tcp://" + o.host + ":" + std::to_string(o.port);
  } else {
    test::node_settings ns;
    ns.work_dir = work.path();
    ns.flush_max_delay_us = x.flush_delay_us;
    ns.node_lines = x.node_lines;
    ns.log_lines = x.log_lines;
    node = std::make_unique<test::node_process>(ns);
    if (auto st = node->start(); !st) return fail(st.to_string());
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // let it settle for idle RSS
    const auto idle = node->rss();
    std::fprintf(stderr, "node pid %d on %s: start -> serving %.0f ms, idle RSS %.1f MB\n",
                 static_cast<int>(node->pid()), node->endpoint().c_str(), node->start_ms(),
                 idle.rss_mb);
    bench::print_figure(
        "pinpipe_node", "idle",
        {{"start_ms", bench::num(node->start_ms())}, {"idle_rss_mb", bench::num(idle.rss_mb)}});
    endpoint = node->endpoint();
  }
  const int rc =
      x.matrix ? matrix_run(x, endpoint, node.get()) : suite_run(o, x, endpoint, node.get());
  if (node) node->stop();
  return rc;
}
