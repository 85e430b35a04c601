// Shared pieces of the side-by-side benchmark clients (redis_bench, nats_bench and the
// pinpipe client pinpipe_bench): the workload, the command-line flags, the read-back
// check, latency percentiles and the one machine-readable RESULT line each run prints.
//
// Where it fits: bench/run-suite.sh starts each system, runs its client once per mode and
// collects the RESULT lines into a table (docs/benchmarks.md). Everything here is plain
// C++17 plus common/status.hpp; no peer (hiredis, libnats) or pinpipe-node headers, so any
// client can link it.
//
// Threading: every type here is single-threaded; a client owns one of each.
//
// Workload (identical for every system):
//   - records are exactly `record_bytes` (420) bytes of JSON shaped like a `pinterest_data`
//     row as the emulator sends it: {"index":N,"unique_id":"...",...,"category":"..."},
//     keys in the source table's column order, compact separators (as nlohmann's dump()
//     writes them; 420 bytes leave no room for json.dumps spacing). `index` is the
//     record's sequence number in the run (0, 1, 2, ...), which the read-back uses to check
//     order; the other fields are drawn deterministically from (seed, index).
//   - throughput mode: `window` (256) records outstanding; latency mode: 1 outstanding.
//   - both modes stop at `records` records OR `seconds`, whichever comes first, then read
//     back everything that was acknowledged and check the count and the order.
//
// RESULT line format (one line on stdout, space-separated key=value, no spaces in values):
//   RESULT system=redis tier=durable mode=throughput fsync=always records=N secs=S rps=R
//          mbps=M readback_records=N readback_rps=R check=ok
//   latency mode adds: samples=N p50_us=.. p99_us=.. p999_us=.. max_us=..
//   check=ok|failed. MB/s counts record payload bytes only (records * 420 / 1e6 / secs).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::bench {

/// Size of every benchmark record, in bytes.
inline constexpr std::size_t record_bytes = 420;

enum class bench_mode { throughput, latency };
const char* to_string(bench_mode m);

/// Flags shared by every client. Parsed by parse_options; defaults suit a normal run.
struct options {
  std::string host = "127.0.0.1";
  int port = 0; // required: the suite picks a free port
  bench_mode mode = bench_mode::throughput;
  std::string tier = "durable";    // label: durable | relaxed
  uint64_t records = 100000;       // upper bound on records written
  double seconds = 10.0;           // upper bound on write time
  int window = 256;                // outstanding records in throughput mode
  int readback_batch = 1000;       // records per read-back request
  double readback_seconds = 120.0; // upper bound on read-back time
  uint64_t seed = 42;
  std::string stream;               // stream/key name; empty = client default
  uint64_t fault_skip_readback = 0; // test hook: ignore the first N read records
};

/// Parses `--flag value` pairs. On `--help` or a bad flag returns invalid_argument with the
/// usage text (or the problem followed by the usage) in the message.
result<options> parse_options(int argc, const char* const* argv);
std::string usage(const std::string& program);

/// Makes the workload's records. Deterministic: the same (seed, index) gives the same bytes.
class record_generator {
public:
  explicit record_generator(uint64_t seed);
  /// Record number `index`: exactly record_bytes bytes of valid UTF-8 JSON. The view is
  /// valid until the next call.
  std::string_view make(uint64_t index);

private:
  uint64_t seed_;
  std::string buf_;
};

/// The `index` value at the front of a record made by record_generator; nullopt when the
/// bytes do not start with `{"index":<digits>`.
std::optional<uint64_t> record_index(std::string_view record);

/// Checks a read-back: exactly `expected` records, each record_bytes long, with indexes
/// 0, 1, 2, ... in order. Feed every record read, then call finish().
class readback_check {
public:
  explicit readback_check(uint64_t expected, uint64_t skip_first = 0);
  void add(std::string_view record);
  uint64_t count() const { return count_; }
  /// ok, or corrupt_data naming the first problem ("read 999 of 1000 records ...").
  status finish() const;

private:
  uint64_t expected_;
  uint64_t skip_;
  uint64_t count_ = 0;
  uint64_t bad_ = 0;
  std::string first_problem_;
};

/// Per-record ack latencies, summarized by nearest-rank percentiles.
struct latency_summary {
  uint64_t samples = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};
/// Nearest-rank percentile (q in (0,1]) of an ascending-sorted vector; 0 when empty.
uint64_t percentile_sorted(const std::vector<uint64_t>& sorted, double q);
latency_summary summarize_ns(std::vector<uint64_t> latencies_ns);

/// A steady-clock stopwatch with an optional limit.
class stopwatch {
public:
  explicit stopwatch(double limit_seconds = 0);
  double elapsed_s() const;
  uint64_t elapsed_ns() const;
  bool expired() const { return limit_s_ > 0 && elapsed_s() >= limit_s_; }

private:
  std::chrono::steady_clock::time_point start_;
  double limit_s_;
};

/// Latency mode driver: calls `publish_one(index, record)` (which must return only once the
/// record is acknowledged) for index 0, 1, ... until opts.records or opts.seconds. Stops at
/// the first error and returns it.
struct latency_run {
  uint64_t acked = 0;
  double secs = 0;
  std::vector<uint64_t> latencies_ns;
};
result<latency_run>
run_latency(const options& opts, record_generator& gen,
            const std::function<status(uint64_t, std::string_view)>& publish_one);

/// One run's outcome, printed as the RESULT line.
struct run_result {
  std::string system, tier, fsync;
  bench_mode mode = bench_mode::throughput;
  int batch = 1;      ///< records per request in throughput mode; > 1 is printed as batch=N
  std::string client; ///< which client library, when a system has several; printed as client=X
  uint64_t records = 0;
  double secs = 0;
  uint64_t readback_records = 0;
  double readback_secs = 0;
  std::optional<latency_summary> latency;
  bool check_ok = false;
};
std::string format_result_line(const run_result& r);

} // namespace pinpipe::bench
