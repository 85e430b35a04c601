// Internals of the Raft simulator (sim_cluster.hpp is the interface): the event queue,
// the simulated nodes with their disks, the clients, and the `simulation` class whose
// node, disk and network half is in sim_cluster.cpp and whose client and final-check half
// is in sim_clients.cpp.
#pragma once

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "raft_disk.hpp"
#include "sim_checker.hpp"
#include "sim_cluster.hpp"

namespace pinpipe::raft::sim::detail {

/// splitmix64: the same numbers on every platform (std distributions are not).
struct rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(uint64_t per_mille) { return below(1000) < per_mille; }
};

enum class ev { tick, deliver, sync, client_send, client_timeout, fault, restart, check };

struct event {
  int64_t time = 0;
  uint64_t seq = 0;
  ev kind = ev::tick;
  int node = 0;
  int client = 0;
  uint64_t tag = 0; ///< node epoch (sync) or attempt id (client_timeout)
  message msg;
};
inline event mk(int64_t time, ev kind, int node = 0) {
  event e;
  e.time = time;
  e.kind = kind;
  e.node = node;
  return e;
}

struct later {
  bool operator()(const event& a, const event& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

struct pending_write {
  persist_request req;
  std::vector<message> msgs; ///< leave only once req is durable
};

struct sim_node {
  config cfg;
  std::unique_ptr<node> core;
  bool up = true;
  uint64_t epoch = 0;
  durable_state disk;
  std::deque<pending_write> unsynced;
  bool sync_scheduled = false;
  role last_role = role::follower;
  term_t last_term{0};
};

struct client {
  int64_t producer_id = -1; ///< -1: not idempotent
  acks_mode acks = acks_mode::all;
  bool busy = false;
  int64_t writes = 0;
  int32_t next_seq = 0;
  std::string payload;
  int32_t records = 1;
  uint64_t attempt = 0;
  uint64_t send_gen = 0;
  int target = 1;
};

struct acked_write {
  int client;
  std::string payload;
  offset_t base, last;
};
class simulation {public:
  explicit simulation(const sim_options& o);

  sim_result run();

private:
  void fail(const std::string& what) {
    if (violation_.empty()) violation_ = what;
    trace("VIOLATION: " + what);
  }
  void trace(const std::string& s) {
    if (opt_.trace) std::printf("%6lld ms  %s\n", static_cast<long long>(now_), s.c_str());
  }
  sim_node& nd(int i) { return nodes_[static_cast<size_t>(i)]; }
  char& blocked(int from, int to) {
    return blocked_[static_cast<size_t>(from) * static_cast<size_t>(opt_.nodes + 1) +
                    static_cast<size_t>(to)];
  }
  bool healed() const { return now_ >= opt_.fault_ms; }

  void schedule(event e) {
    e.seq = ++seq_;
    queue_.push_back(std::move(e));
    std::push_heap(queue_.begin(), queue_.end(), later{});
  }

  void handle(event& e);

  // ---- nodes and disks -----------------------------------------------------------------

  void drain(int i);

  std::vector<const durable_state*> disks() {
    std::vector<const durable_state*> d(nodes_.size(), nullptr);
    for (size_t i = 1; i < nodes_.size(); ++i) d[i] = &nodes_[i].disk;
    return d;
  }

  void sync(int i, uint64_t epoch);
  void crash(int i);
  void restart(int i);
  void compact(int i);

  // ---- network ---------------------------------------------------------------------------

  void send(message m);
  void deliver(event& e);
  void fault_step();

  // ---- clients -----------------------------------------------------------------------------

  void start_write(int c);
  void retry_later(int c, bool elsewhere);
  void give_up(int c);
  void client_send(int c, uint64_t gen);
  void client_timeout(int c, uint64_t attempt);
  void on_ack(const proposal_ack& a);

  // ---- healing and the final check -----------------------------------------------------

  void convergence_check();
  void final_check();

  sim_options opt_;
  rng r_;
  checker check_;
  sim_result res_;
  std::string violation_;
  bool done_ = false;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  std::vector<event> queue_;
  std::vector<sim_node> nodes_;
  std::vector<char> blocked_;
  bool partitioned_ = false;
  std::vector<client> clients_;
  std::map<uint64_t, int> attempt_client_;
  uint64_t attempts_ = 0;
  std::vector<acked_write> acked_;
  uint64_t drop_, dup_, partition_, crash_;
  int64_t delay_min_, delay_span_, fsync_max_;
  size_t batches_per_append_;
  int inflight_;
};

} // namespace pinpipe::raft::sim::detail
