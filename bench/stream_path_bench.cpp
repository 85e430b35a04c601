// stream_path_bench: the stream path of one node, in process: the file log + the actor graph
// (actors::pipeline_runtime with gateway, connector and scheduler off, streams on: one stream
// reader per stream, cleaner, sink into the warehouse's stream tables).
//
// Records are real source rows (a generated source database, pipeline/source), keyed and
// sharded like the emulator does it (Kinesis partition key = the row's index, MD5 onto the 5
// shards), produced straight into the log with acks=all (what the emulator's log_sender uses).
//
//  - throughput: `--events N` events (3 records each: pin, geo, user) produced as fast as
//    possible in batches of `--batch` events (one produce per stream partition, up to 64
//    requests outstanding); records/s = records / time from the first produce to
//    runtime.stream_lag() == 0 (every row committed in the stream tables). Then a count check:
//    rows in the three stream tables + stream dead letters == records produced.
//  - latency: `--rate R` records/s (default 10,000) for `--latency-seconds S`, one record
//    per produce request, paced on an absolute schedule; each record's produce-ack time is
//    kept; a separate read-only SQLite connection polls stream_positions every ~1 ms, and a
//    record counts as committed at the first poll that shows next_offset past it. Prints
//    produce-ack -> committed latency p50/p99/p99.9/max (resolution: the poll interval).
//
//   stream_path_bench [--events N] [--batch B] [--rate R] [--latency-seconds S]
//                     [--cleaners N] [--quick] [--only throughput|latency]
//
// Targets: >= 100,000 records/s; p99 <= 50 ms at 10,000 records/s.

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/pipeline_runtime.hpp"
#include "actors/type_ids.hpp"
#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"
#include "pipeline/emulator/kinesis_hash.hpp"
#include "pipeline/emulator/sender.hpp"
#include "pipeline/source/source_db.hpp"
#include "pipeline/warehouse/sql.hpp"
#include "storage/log.hpp"

namespace {

using namespace pinpipe;
using clock_type = std::chrono::steady_clock;

const char* usage =
    "usage: stream_path_bench [--events N] [--batch B] [--rate R] [--latency-seconds S]\n"
    "                         [--cleaners N] [--quick] [--only throughput|latency]";

const char* kinds[3] = {"pin", "geo", "user"};

/// The records of one event in the three streams: (stream index, partition, key, value).
struct stream_record {
  int stream;
  int32_t partition;
  std::string key, value;
};

/// Produce acks outstanding, bounded; wait() blocks until every one arrived.
class inflight {
public:
  explicit inflight(int limit) : limit_(limit) {}
  void acquire() {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return n_ < limit_; });
    ++n_;
  }
  void release(const status& st) {
    std::lock_guard<std::mutex> lk(mu_);
    --n_;
    if (!st.ok() && first_error_.ok()) first_error_ = st;
    cv_.notify_all();
  }
  status wait_all() {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return n_ == 0; });
    return first_error_;
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  int limit_, n_ = 0;
  status first_error_;
};

/// The node under test: source rows, the file log, the actor system and the runtime.
struct node_under_test {
  bench::temp_dir dir{"pinpipe-stream-bench"};
  config::config cfg;
  std::vector<std::vector<stream_record>> events; // one entry per source key
  std::unique_ptr<storage::log_store> log;
  std::unique_ptr<caf::actor_system_config> sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<actors::pipeline_runtime> rt;
  std::string streams[3];

  status start(int cleaners) {
    cfg.node.data_dir = dir.path();
    cfg.node.log_level = "warn";
    logging::init("warn");
    auto paths = pinpipe::data_paths::of(dir.path(), cfg);
    source::gen_options g;
    g.path = paths.source;
    if (auto st = source::generate(g); !st.ok()) return st;
    auto db = source::source_db::open(paths.source);
    if (!db) return db.error();
    const int32_t shards = cfg.pipeline.stream_shards;
    for (int i = 0; i < 3; ++i)
      streams[i] = emulator::destination_name(cfg.pipeline.user_id, emulator::mode::stream,
                                              static_cast<emulator::table>(i));
    for (int64_t k = 0; k < (*db)->row_count(); ++k) {
      auto ev = (*db)->event(k);
      if (!ev) return ev.error();
      std::vector<stream_record> recs;
      for (int i = 0; i < 3; ++i) {
        const std::string& v = i == 0 ? ev->pin : i == 1 ? ev->geo : ev->user;
        std::string key = emulator::stream_partition_key(v);
        int32_t p = emulator::kinesis_shard(key, shards);
        recs.push_back({i, p, std::move(key), v});
      }
      events.push_back(std::move(recs));
    }
    auto opened = storage::open_file_log(pinpipe::log_config_of(cfg, paths.log));
    if (!opened) return opened.error();
    log = std::move(*opened);
    sys_cfg = std::make_unique<caf::actor_system_config>();
    actors::register_message_types(*sys_cfg);
    sys = std::make_unique<caf::actor_system>(*sys_cfg);
    actors::runtime_options ro;
    ro.cfg = cfg;
    ro.data_dir = dir.path();
    ro.gateway = false;
    ro.connector = false;
    ro.scheduler = false;
    ro.streams = true;
    ro.cleaner_count = cleaners;
    auto r = actors::pipeline_runtime::start(*sys, *log, ro);
    if (!r) return r.error();
    rt = std::move(*r);
    return {};
  }

  void stop() {
    if (rt) rt->stop();
    rt.reset();
    sys.reset();
    if (log) log->close();
  }

  std::string warehouse_path() const { return pinpipe::data_paths::of(dir.path(), cfg).warehouse; }
};

/// A read-only connection to the warehouse (WAL: sees committed data only).
class wh_reader {
public:
  explicit wh_reader(const std::string& path) {
    if (auto db = warehouse::sql::open(path, SQLITE_OPEN_READONLY, /*busy_ms=*/0))
      db_ = std::move(*db);
  }
  bool ok() const { return db_ != nullptr; }
  int64_t scalar(const std::string& sql) {
    auto v = warehouse::sql::query_int(db_.get(), sql, -1);
    return v ? *v : -1;
  }
  /// (topic, partition) -> next_offset; false when the table is not readable yet.
  bool positions(std::map<std::pair<std::string, int32_t>, int64_t>& out) {
    if (!positions_.get() &&
        !positions_.prepare(db_.get(), "SELECT topic, partition, next_offset FROM "
                                       "stream_positions")
             .ok())
      return false;
    for (;;) {
      auto row = positions_.next("reading stream_positions");
      if (!row) return false;
      if (!*row) return true;
      out[{positions_.text(0), static_cast<int32_t>(positions_.integer(1))}] =
          positions_.integer(2);
    }
  }

private:
  warehouse::sql::db_ptr db_; // declared first: closed after the statement
  warehouse::sql::stmt positions_;
};

void produce_one(storage::log_store& log, const std::string& topic, int32_t p,
                 std::vector<storage::record> recs, inflight& fl,
                 std::function<void(const storage::produce_result&)> on_ack = {}) {
  storage::produce_request req;
  req.topic = topic;
  req.partition = partition_id{p};
  req.records = std::move(recs);
  req.required_acks = storage::acks::all;
  fl.acquire();
  log.produce(std::move(req), [&fl, on_ack](storage::produce_result r) {
    if (on_ack) on_ack(r);
    fl.release(r.st);
  });
}

int throughput(node_under_test& n, int64_t events, int batch) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<size_t> pick(0, n.events.size() - 1);
  inflight fl(64);
  const int64_t records = 3 * events;
  bench::stopwatch sw;
  for (int64_t e = 0; e < events; e += batch) {
    // One produce request per (stream, partition) for this batch of events.
    std::map<std::pair<int, int32_t>, std::vector<storage::record>> groups;
    for (int64_t k = e; k < std::min<int64_t>(events, e + batch); ++k)
      for (const auto& r : n.events[pick(rng)]) {
        storage::record rec;
        rec.key = r.key;
        rec.value = r.value;
        groups[{r.stream, r.partition}].push_back(std::move(rec));
      }
    for (auto& [sp, recs] : groups)
      produce_one(*n.log, n.streams[sp.first], sp.second, std::move(recs), fl);
  }
  if (auto st = fl.wait_all(); !st.ok()) {
    std::fprintf(stderr, "produce failed: %s\n", st.to_string().c_str());
    return 2;
  }
  const double produced_s = sw.elapsed_s();
  // Wait for the stream tables to catch up (bounded).
  int64_t lag = -1;
  while (sw.elapsed_s() < produced_s + 600) {
    auto l = n.rt->stream_lag();
    if (!l) {
      std::fprintf(stderr, "stream_lag: %s\n", l.error().to_string().c_str());
      return 2;
    }
    lag = *l;
    if (lag == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const double secs = sw.elapsed_s();
  wh_reader wh(n.warehouse_path());
  int64_t rows = 0;
  const std::string& uid = n.cfg.pipeline.user_id;
  for (const char* k : kinds)
    rows += wh.scalar("SELECT count(*) FROM \"" + uid + "_" + k + "_table\"");
  const int64_t dead = wh.scalar("SELECT count(*) FROM dead_letters WHERE path = 'stream'");
  const bool ok = lag == 0 && rows + dead == records;
  std::printf("stream path: %lld records (%lld events) produced in %.2f s (acks=all), all "
              "committed after %.2f s: %.0f records/s; rows %lld + dead letters %lld (%s)\n",
              static_cast<long long>(records), static_cast<long long>(events), produced_s, secs,
              records / secs, static_cast<long long>(rows), static_cast<long long>(dead),
              ok ? "count ok" : "COUNT FAILED");
  bench::print_figure("stream_path", "throughput",
                      {{"records", std::to_string(records)},
                       {"produce_secs", bench::num(produced_s, "%.3f")},
                       {"secs", bench::num(secs, "%.3f")},
                       {"rps", bench::num(records / secs, "%.0f")},
                       {"rows", std::to_string(rows)},
                       {"dead", std::to_string(dead)},
                       {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}

int latency(node_under_test& n, double rate, double seconds) {
  // Offsets already in the streams (the throughput run) are committed; start after them.
  struct acked {
    int stream;
    int32_t partition;
    int64_t offset;
    clock_type::time_point at;
  };
  std::mutex mu;
  std::vector<acked> acks;
  inflight fl(1 << 20);
  std::atomic<bool> done{false};
  std::vector<uint64_t> lat_ns;
  int64_t committed = 0;
  std::string poll_error;

  std::thread poller([&] {
    wh_reader wh(n.warehouse_path());
    if (!wh.ok()) {
      poll_error = "cannot open the warehouse read-only";
      return;
    }
    std::map<std::pair<int, int32_t>, std::vector<acked>> pending;
    std::map<std::pair<std::string, int32_t>, int64_t> pos;
    auto last_progress = clock_type::now();
    for (;;) {
      {
        std::lock_guard<std::mutex> lk(mu);
        for (auto& a : acks)
          pending[{a.stream, a.partition}].push_back(a);
        acks.clear();
      }
      pos.clear();
      const bool read = wh.positions(pos);
      const auto now = clock_type::now();
      bool any_pending = false;
      if (read)
        for (auto& [sp, v] : pending) {
          auto it = pos.find({n.streams[sp.first], sp.second});
          const int64_t next = it == pos.end() ? 0 : it->second;
          size_t k = 0;
          // Acks of one partition arrive in offset order (one flusher); keep it robust anyway.
          std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
          while (k < v.size() && v[k].offset < next) {
            lat_ns.push_back(static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - v[k].at).count()));
            ++k;
          }
          if (k > 0) last_progress = now;
          committed += static_cast<int64_t>(k);
          v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k));
          any_pending = any_pending || !v.empty();
        }
      if (done && !any_pending) {
        std::lock_guard<std::mutex> lk(mu);
        if (acks.empty()) break;
      }
      if (now - last_progress > std::chrono::seconds(60)) {
        poll_error = "no record committed for 60 s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::mt19937_64 rng(7);
  std::uniform_int_distribution<size_t> pick(0, n.events.size() - 1);
  const int64_t total = static_cast<int64_t>(rate * seconds);
  int64_t sent = 0;
  std::vector<stream_record> current;
  size_t in_event = 0;
  const auto t0 = clock_type::now();
  while (sent < total) {
    const double el = std::chrono::duration<double>(clock_type::now() - t0).count();
    const int64_t due = std::min<int64_t>(total, static_cast<int64_t>(el * rate) + 1);
    for (; sent < due; ++sent) {
      if (in_event == current.size()) {
        current = n.events[pick(rng)];
        in_event = 0;
      }
      const auto& r = current[in_event++];
      storage::record rec;
      rec.key = r.key;
      rec.value = r.value;
      const int s = r.stream;
      const int32_t p = r.partition;
      produce_one(*n.log, n.streams[s], p, {std::move(rec)}, fl,
                  [&, s, p](const storage::produce_result& pr) {
                    if (!pr.st.ok()) return;
                    std::lock_guard<std::mutex> lk(mu);
                    acks.push_back({s, p, pr.base_offset.get(), clock_type::now()});
                  });
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const double send_secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto st = fl.wait_all();
  done = true;
  poller.join();
  if (!st.ok() || !poll_error.empty()) {
    std::fprintf(stderr, "latency run failed: %s %s\n", st.to_string().c_str(), poll_error.c_str());
    return 2;
  }
  auto s = bench::summarize_ns(lat_ns);
  const bool ok = committed == total;
  std::printf("stream path latency at %.0f records/s for %.1f s (%lld records, achieved %.0f/s):"
              " produce-ack -> committed row p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f "
              "ms (%s)\n",
              rate, seconds, static_cast<long long>(total), total / send_secs, s.p50_us / 1e3,
              s.p99_us / 1e3, s.p999_us / 1e3, s.max_us / 1e3, ok ? "all committed" : "MISSING");
  bench::print_figure("stream_path", "latency",
                      {{"rate", bench::num(rate, "%.0f")},
                       {"records", std::to_string(total)},
                       {"achieved_rps", bench::num(total / send_secs, "%.0f")},
                       {"p50_ms", bench::num(s.p50_us / 1e3, "%.2f")},
                       {"p99_ms", bench::num(s.p99_us / 1e3, "%.2f")},
                       {"p999_ms", bench::num(s.p999_us / 1e3, "%.2f")},
                       {"max_ms", bench::num(s.max_us / 1e3, "%.2f")},
                       {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  bench::flags f(argc, argv);
  const bool quick = f.has("--quick");
  const long long events = f.integer("--events", quick ? 20000 : 100000);
  const long long batch = f.integer("--batch", 500);
  const double rate = f.dbl("--rate", 10000);
  const double lat_secs = f.dbl("--latency-seconds", quick ? 2 : 10);
  const long long cleaners = f.integer("--cleaners", 1);
  const std::string only = f.str("--only", "");
  bench::check_flags(
      f, {"--events", "--batch", "--rate", "--latency-seconds", "--cleaners", "--quick", "--only"},
      usage);
  if (events <= 0 || batch <= 0 || rate <= 0 || lat_secs <= 0 || cleaners <= 0 ||
      (!only.empty() && only != "throughput" && only != "latency")) {
    std::fprintf(stderr, "bad flag value\n%s\n", usage);
    return 2;
  }
  node_under_test n;
  if (auto st = n.start(static_cast<int>(cleaners)); !st.ok()) {
    std::fprintf(stderr, "start: %s\n", st.to_string().c_str());
    n.stop();
    return 2;
  }
  int rc = 0;
  if (only.empty() || only == "throughput")
    rc = std::max(rc, throughput(n, events, static_cast<int>(batch)));
  if (only.empty() || only == "latency") rc = std::max(rc, latency(n, rate, lat_secs));
  n.stop();
  return rc;
}
