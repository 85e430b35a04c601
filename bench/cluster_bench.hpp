// cluster_bench's shared pieces (bench/cluster_bench.cpp, bench/cluster_bench_faults.cpp):
// the run options, and a 3-node cluster of real `pinpipe node` processes on 127.0.0.1
// (tests/cluster/cluster_harness.hpp, reused as is) holding one benchmark topic whose
// partition leader has settled, with one transport client per node.
//
// Threading: one thread owns a bench_cluster. Header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/cluster_bench_client.hpp"
#include "tests/cluster/cluster_harness.hpp"

namespace pinpipe::bench::cluster {

struct run_options {
  std::string mode = "all"; ///< throughput | latency | failover | catchup | all
  uint64_t records = 2'000'000; ///< throughput: upper bound on records per system
  double seconds = 10;          ///< throughput: upper bound on write time per system
  int batch = 256;              ///< records per produce request (throughput, catch-up)
  int window = 1024;            ///< records in flight (throughput, catch-up)
  uint64_t latency_records = 20'000;
  double latency_seconds = 10;
  int repeat = 1;               ///< throughput: single node and R3 runs, alternating
  int acks = -1;                ///< throughput: -1 = all; 1 = leader only (a diagnostic)
  int kills = 20;               ///< failover: leader kills
  double catchup_mb = 100;      ///< catch-up: MB of record payload written while a follower is down
  double readback_seconds = 120;
};

inline int fail(const std::string& what) {
  std::fprintf(stderr, "cluster_bench: %s\n", what.c_str());
  std::fflush(stderr);
  return 2;
}

/// A 3-node cluster with topic `topic` (1 partition, 3 replicas) and a settled leader.
class bench_cluster {
public:
  explicit bench_cluster(std::string topic) : topic_(std::move(topic)), c_(3) {}

  status start() {
    if (auto st = c_.start_all(); !st) return st;
    for (int i = 1; i <= 3; ++i)
      if (auto st = reconnect(i); !st) return st;
    if (auto st = create_topic(client(1), topic_); !st) return st;
    return settle();
  }

  /// Switches to another topic: creates it (1 partition, 3 replicas) and waits for its
  /// leader to settle.
  status use_topic(const std::string& topic) {
    topic_ = topic;
    if (auto st = create_topic(client(leader_ > 0 ? leader_ : 1), topic_); !st) return st;
    return settle();
  }

  /// Waits (up to timeout_s) until one running node leads the partition, says so itself,
  /// and has kept it for 500 ms (a new partition may hand over to its preferred leader).
  status settle(double timeout_s = 20) {
    stopwatch sw{timeout_s};
    int seen = 0, stable = 0;
    while (!sw.expired()) {
      const int l = leader_seen_by_any();
      if (l > 0 && l == seen) {
        if (++stable >= 10) {
          leader_ = l;
          return {};
        }
      } else {
        seen = l;
        stable = 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {errc::timeout, "no settled leader of " + topic_ + " within " +
                               std::to_string(timeout_s) + " s; node 1 log tail: " +
                               tail(c_.log_text(1))};
  }

  /// A running node that reports itself as the partition's leader (0 = none).
  int leader_seen_by_any() {
    for (int i = 1; i <= 3; ++i) {
      if (!c_.running(i)) continue;
      auto v = describe(client(i), topic_, 500);
      if (v && v->leader == i) return i;
    }
    return 0;
  }

  status reconnect(int i) {
    if (clients_.size() < 4) clients_.resize(4);
    auto cl = connect(c_.endpoint(i), "cluster_bench-" + std::to_string(i));
    if (!cl) return cl.error();
    clients_[static_cast<size_t>(i)] = std::move(*cl);
    return {};
  }

  transport::client& client(int i) { return *clients_[static_cast<size_t>(i)]; }
  test::test_cluster& nodes() { return c_; }
  const std::string& topic() const { return topic_; }
  int leader() const { return leader_; }
  void set_leader(int l) { leader_ = l; }

  static std::string tail(const std::string& s, size_t n = 400) {
    return s.size() > n ? s.substr(s.size() - n) : s;
  }

private:
  std::string topic_;
  test::test_cluster c_;
  std::vector<std::unique_ptr<transport::client>> clients_;
  int leader_ = 0;
};

/// Nearest-rank percentile of millisecond samples (q in (0,1]).
inline double percentile_ms(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  if (rank < 1) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

int failover_run(const run_options& o);
int catchup_run(const run_options& o);

} // namespace pinpipe::bench::cluster
