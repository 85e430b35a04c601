#include "sim_cluster.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "raft_disk.hpp"
#include "sim_checker.hpp"

namespace pinpipe::raft::sim {
namespace {

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
event mk(int64_t time, ev kind, int node = 0) {
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

class simulation {
public:
  explicit simulation(const sim_options& o) : opt_(o), r_{o.seed}, check_(o.nodes, o.check_durability) {
    std::ostringstream ps;
    drop_ = r_.below(150);
    dup_ = r_.below(50);
    delay_min_ = 1 + static_cast<int64_t>(r_.below(3));
    delay_span_ = 1 + static_cast<int64_t>(r_.below(30));
    fsync_max_ = 1 + static_cast<int64_t>(r_.below(10));
    partition_ = r_.below(120);
    crash_ = r_.below(60);
    ps << "nodes=" << o.nodes << " drop=" << drop_ / 10.0 << "% dup=" << dup_ / 10.0
       << "% delay=" << delay_min_ << "-" << delay_min_ + delay_span_ << "ms fsync<=" << fsync_max_
       << "ms partition=" << partition_ / 10.0 << "%/50ms crash=" << crash_ / 10.0 << "%/50ms";
    res_.params = ps.str();
    nodes_.resize(static_cast<size_t>(o.nodes) + 1);
    blocked_.assign(static_cast<size_t>(o.nodes + 1) * static_cast<size_t>(o.nodes + 1), false);
    for (int i = 1; i <= o.nodes; ++i) {
      sim_node& n = nodes_[static_cast<size_t>(i)];
      n.cfg.id = node_id{i};
      for (int j = 1; j <= o.nodes; ++j) n.cfg.voters.push_back(node_id{j});
      n.cfg.seed = o.seed * 1000 + static_cast<uint64_t>(i);
      n.cfg.max_batches_per_append = 8;
#ifdef PINPIPE_RAFT_TEST_FAULTS
      n.cfg.fault_ack_before_persist = o.fault_ack_before_persist;
      n.cfg.fault_commit_old_terms = o.fault_commit_old_terms;
#endif
      n.core = std::make_unique<node>(n.cfg);
      schedule(mk(static_cast<int64_t>(r_.below(10)), ev::tick, i));
    }
    clients_.resize(3);
    clients_[0].producer_id = 1000;
    clients_[1].producer_id = 1001;
    clients_[2].acks = acks_mode::leader; // alternates per write, never retries
    for (size_t c = 0; c < clients_.size(); ++c) start_write(static_cast<int>(c));
    schedule(mk(50, ev::fault));
    schedule(mk(opt_.fault_ms, ev::check));
  }

  sim_result run() {
    int64_t deadline = opt_.fault_ms + opt_.heal_ms;
    while (!queue_.empty() && check_.ok() && !done_) {
      std::pop_heap(queue_.begin(), queue_.end(), later{});
      event e = std::move(queue_.back());
      queue_.pop_back();
      if (e.time > deadline) {
        fail("liveness: the healed group did not converge within " +
             std::to_string(opt_.heal_ms) + " ms");
        break;
      }
      now_ = e.time;
      ++res_.steps;
      handle(e);
    }
    if (check_.ok() && !done_ && violation_.empty())
      fail("the simulation ran out of events before converging");
    if (!check_.ok()) fail(check_.violation());
    res_.ok = violation_.empty();
    res_.violation = violation_;
    res_.committed = static_cast<int64_t>(check_.committed().size());
    res_.leaders = check_.leaders_elected();
    return res_;
  }

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

  void handle(event& e) {
    switch (e.kind) {
    case ev::tick:
      schedule(mk(now_ + 10, ev::tick, e.node));
      if (!nd(e.node).up) return;
      nd(e.node).core->tick();
      drain(e.node);
      return;
    case ev::deliver: deliver(e); return;
    case ev::sync: sync(e.node, e.tag); return;
    case ev::client_send: client_send(e.client, e.tag); return;
    case ev::client_timeout: client_timeout(e.client, e.tag); return;
    case ev::fault: fault_step(); return;
    case ev::restart: restart(e.node); return;
    case ev::check: convergence_check(); return;
    }
  }

  // ---- nodes and disks -----------------------------------------------------------------

  void drain(int i) {
    sim_node& n = nd(i);
    std::vector<proposal_ack> acks;
    while (n.core->has_ready()) {
      ready rd = n.core->take_ready();
      if (opt_.fault_ack_before_persist) {
        // The broken host of the fault test: messages leave before the fsync.
        for (auto& m : rd.messages) send(std::move(m));
        rd.messages.clear();
      }
      if (rd.persist) {
        check_.on_persist_request(i, *rd.persist);
        n.unsynced.push_back({std::move(*rd.persist), std::move(rd.messages)});
        if (!n.sync_scheduled) {
          n.sync_scheduled = true;
          event s = mk(now_ + 1 + static_cast<int64_t>(r_.below(static_cast<uint64_t>(fsync_max_))),
                       ev::sync, i);
          s.tag = n.epoch;
          schedule(std::move(s));
        }
      } else if (!n.unsynced.empty()) {
        for (auto& m : rd.messages) n.unsynced.back().msgs.push_back(std::move(m));
      } else {
        for (auto& m : rd.messages) send(std::move(m));
      }
      for (proposal_ack& a : rd.acks) acks.push_back(a);
    }
    if (n.core->state() != n.last_role || n.core->term() != n.last_term) {
      trace("node " + std::to_string(i) + " is " + to_string(n.core->state()) + " in term " +
            std::to_string(n.core->term().value));
      n.last_role = n.core->state();
      n.last_term = n.core->term();
    }
    check_.after_step(i, *n.core, disks());
    if (opt_.trace && !check_.ok()) trace("checker: " + check_.violation());
    for (const proposal_ack& a : acks) on_ack(a); // after the checker saw the commit
  }

  std::vector<const durable_state*> disks() {
    std::vector<const durable_state*> d(nodes_.size(), nullptr);
    for (size_t i = 1; i < nodes_.size(); ++i) d[i] = &nodes_[i].disk;
    return d;
  }

  void sync(int i, uint64_t epoch) {
    sim_node& n = nd(i);
    if (!n.up || n.epoch != epoch) return;
    n.sync_scheduled = false;
    auto writes = std::move(n.unsynced);
    n.unsynced.clear();
    if (writes.empty()) return;
    for (auto& w : writes)
      if (!testing::apply_to_disk(n.disk, w.req)) fail("a persist request left a gap on disk");
    n.core->persisted(writes.back().req.id);
    for (auto& w : writes)
      for (auto& m : w.msgs) send(std::move(m));
    drain(i);
  }

  void crash(int i) {
    sim_node& n = nd(i);
    ++res_.crashes;
    ++n.epoch;
    n.up = false;
    size_t keep = r_.below(n.unsynced.size() + 1); // unsynced writes that reached the disk
    for (size_t k = 0; k < n.unsynced.size(); ++k) {
      const persist_request& p = n.unsynced[k].req;
      if (k < keep) {
        testing::apply_to_disk(n.disk, p);
      } else if (k == keep && r_.chance(500)) { // the next one is torn
        testing::apply_to_disk(n.disk, p, r_.below(p.entries.size() + 1), r_.chance(500));
        break;
      } else {
        break;
      }
    }
    n.unsynced.clear();
    n.sync_scheduled = false;
    trace("CRASH node " + std::to_string(i) + " (" + std::to_string(keep) +
          " unsynced writes survive)");
    schedule(mk(now_ + 100 + static_cast<int64_t>(r_.below(500)), ev::restart, i));
  }

  void restart(int i) {
    sim_node& n = nd(i);
    if (n.up) return;
    n.cfg.seed = n.cfg.seed * 31 + n.epoch;
    n.core = std::make_unique<node>(n.cfg, n.disk);
    n.up = true;
    n.last_role = role::follower;
    trace("RESTART node " + std::to_string(i) + " log " + std::to_string(n.disk.log_start.value) +
          ".." + std::to_string(n.core->log().last().value) + " term " +
          std::to_string(n.core->term().value));
    check_.on_restart(i, n.disk);
    drain(i);
  }

  void compact(int i) {
    sim_node& n = nd(i);
    offset_t limit = std::min(n.core->commit(), n.core->persisted_offset());
    std::vector<offset_t> candidates;
    for (const entry& e : n.core->log().entries())
      if (e.last <= limit) candidates.push_back(offset_t{e.last.value + 1});
    if (candidates.empty()) return;
    offset_t at = candidates[r_.below(candidates.size())];
    if (!n.core->compact(at).ok()) {
      fail("compaction at a committed, persisted boundary was refused");
      return;
    }
    producer_table t;
    t.restore(n.disk.producers);
    for (const entry& e : n.disk.entries) {
      if (e.last >= at) break;
      t.apply(e);
      n.disk.prefix_term = e.term;
    }
    n.disk.producers = t.snapshot();
    n.disk.entries.erase(std::remove_if(n.disk.entries.begin(), n.disk.entries.end(),
                                        [&](const entry& e) { return e.last < at; }),
                         n.disk.entries.end());
    n.disk.log_start = at;
    check_.on_compact(i, at);
    trace("COMPACT node " + std::to_string(i) + " log_start " + std::to_string(at.value));
    drain(i);
  }

  // ---- network ---------------------------------------------------------------------------

  void send(message m) {
    int from = static_cast<int>(m.from.value), to = static_cast<int>(m.to.value);
    if (blocked(from, to) || (!healed() && r_.chance(drop_))) {
      if (opt_.trace) trace("drop " + to_string(m));
      return;
    }
    int copies = !healed() && r_.chance(dup_) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      int64_t delay = delay_min_ + static_cast<int64_t>(r_.below(static_cast<uint64_t>(delay_span_)));
      if (!healed() && r_.chance(20)) delay *= 5; // a straggler: reorders more
      event e = mk(now_ + delay, ev::deliver, to);
      e.msg = c + 1 < copies ? m : std::move(m);
      schedule(std::move(e));
    }
  }

  void deliver(event& e) {
    int from = static_cast<int>(e.msg.from.value), to = e.node;
    if (!nd(to).up || blocked(from, to)) return;
    if (opt_.trace) trace("deliver " + to_string(e.msg));
    nd(to).core->step(e.msg);
    drain(to);
  }

  void fault_step() {
    if (healed()) return;
    schedule(mk(now_ + 50, ev::fault));
    int n = opt_.nodes;
    if (!partitioned_ && r_.chance(partition_)) {
      // Split into two sides; one-way partitions block only one direction.
      std::vector<bool> side(static_cast<size_t>(n) + 1, false);
      size_t size = 1 + r_.below(static_cast<uint64_t>(n - 1));
      std::vector<int> ids;
      for (int i = 1; i <= n; ++i) ids.push_back(i);
      for (size_t k = 0; k < size; ++k) {
        size_t pick = k + r_.below(ids.size() - k);
        std::swap(ids[k], ids[pick]);
        side[static_cast<size_t>(ids[k])] = true;
      }
      int mode = static_cast<int>(r_.below(3)); // 0 both ways, 1 out of side, 2 into side
      std::string desc;
      for (int a = 1; a <= n; ++a)
        for (int b = 1; b <= n; ++b) {
          bool sa = side[static_cast<size_t>(a)], sb = side[static_cast<size_t>(b)];
          if (sa == sb) continue;
          blocked(a, b) = mode == 0 || (mode == 1 && sa) || (mode == 2 && sb);
        }
      for (int a = 1; a <= n; ++a)
        if (side[static_cast<size_t>(a)]) desc += std::to_string(a) + " ";
      partitioned_ = true;
      trace("PARTITION {" + desc + "} " + (mode == 0 ? "both ways" : mode == 1 ? "outbound cut" : "inbound cut"));
    } else if (partitioned_ && r_.chance(250)) {
      std::fill(blocked_.begin(), blocked_.end(), 0);
      partitioned_ = false;
      trace("HEAL network");
    }
    if (r_.chance(crash_)) {
      int i = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(n)));
      if (nd(i).up) crash(i);
    }
    if (r_.chance(30)) {
      int i = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(n)));
      if (nd(i).up) compact(i);
    }
    if (r_.chance(15)) {
      for (int i = 1; i <= n; ++i)
        if (nd(i).up && nd(i).core->state() == role::leader) {
          int to = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(n)));
          trace("TRANSFER leadership " + std::to_string(i) + " -> " + std::to_string(to));
          nd(i).core->transfer_leadership(node_id{to});
          drain(i);
        }
    }
  }

  // ---- clients -----------------------------------------------------------------------------

  void start_write(int c) {
    client& cl = clients_[static_cast<size_t>(c)];
    if (healed()) return;
    cl.busy = true;
    cl.attempt = 0;
    cl.records = 1 + static_cast<int32_t>(r_.below(4));
    cl.payload = "c" + std::to_string(c) + "w" + std::to_string(cl.writes++);
    if (cl.producer_id < 0) cl.acks = r_.chance(500) ? acks_mode::all : acks_mode::leader;
    cl.target = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(opt_.nodes)));
    event e = mk(now_ + 1 + static_cast<int64_t>(r_.below(20)), ev::client_send);
    e.client = c;
    e.tag = ++cl.send_gen; // only the latest scheduled send counts
    schedule(std::move(e));
  }

  void retry_later(int c, bool elsewhere) {
    client& cl = clients_[static_cast<size_t>(c)];
    if (elsewhere) cl.target = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(opt_.nodes)));
    event e = mk(now_ + 10 + static_cast<int64_t>(r_.below(30)), ev::client_send);
    e.client = c;
    e.tag = ++cl.send_gen;
    schedule(std::move(e));
  }

  void give_up(int c) {
    client& cl = clients_[static_cast<size_t>(c)];
    cl.busy = false;
    cl.attempt = 0;
    start_write(c);
  }

  void client_send(int c, uint64_t gen) {
    client& cl = clients_[static_cast<size_t>(c)];
    if (!cl.busy || gen != cl.send_gen) return;
    cl.attempt = ++attempts_;
    attempt_client_[cl.attempt] = c;
    int target = cl.target;
    sim_node& n = nd(target);
    event t = mk(now_ + 400, ev::client_timeout);
    t.client = c;
    t.tag = cl.attempt;
    if (!n.up) {
      schedule(std::move(t)); // the request went nowhere
      return;
    }
    proposal p;
    p.id = cl.attempt;
    p.record_count = cl.records;
    p.acks = cl.acks;
    p.producer_id = cl.producer_id;
    p.base_sequence = cl.producer_id >= 0 ? cl.next_seq : -1;
    p.payload = cl.payload;
    status st = n.core->propose(std::move(p));
    if (opt_.trace)
      trace("client " + std::to_string(c) + " -> node " + std::to_string(cl.target) + " " +
            cl.payload + " seq " + std::to_string(cl.next_seq) + ": " +
            (st.ok() ? std::string("accepted") : st.to_string()));
    if (!st.ok()) {
      // Definitely not appended: safe to send again, to the leader we were told about.
      node_id hint = n.core->leader();
      if (hint != no_node) cl.target = static_cast<int>(hint.value);
      retry_later(c, hint == no_node);
      drain(target);
      return;
    }
    schedule(std::move(t));
    drain(target);
  }

  void client_timeout(int c, uint64_t attempt) {
    client& cl = clients_[static_cast<size_t>(c)];
    if (!cl.busy || cl.attempt != attempt) return;
    trace("client " + std::to_string(c) + " timed out on " + cl.payload);
    if (cl.producer_id >= 0)
      retry_later(c, true); // same producer id and sequence: no duplicate
    else
      give_up(c); // outcome unknown; a blind resend could duplicate
  }

  void on_ack(const proposal_ack& a) {
    auto it = attempt_client_.find(a.id);
    if (it == attempt_client_.end()) return;
    int c = it->second;
    client& cl = clients_[static_cast<size_t>(c)];
    if (!cl.busy || cl.attempt != a.id) return; // an answer to an abandoned attempt
    if (a.code != errc::ok) {
      trace("client " + std::to_string(c) + " " + cl.payload + ": " + to_string(a.code) +
            " (outcome unknown)");
      if (cl.producer_id >= 0)
        retry_later(c, true);
      else
        give_up(c);
      return;
    }
    trace("client " + std::to_string(c) + " ACK " + cl.payload + " at " +
          std::to_string(a.base.value) + "-" + std::to_string(a.last.value) +
          (a.duplicate ? " (duplicate)" : "") + (cl.acks == acks_mode::all ? " acks=all" : " acks=1"));
    if (cl.acks == acks_mode::all) {
      check_.on_ack_all(a.base, a.last, cl.payload);
      acked_.push_back({c, cl.payload, a.base, a.last});
      ++res_.acked_all;
    }
    if (cl.producer_id >= 0) cl.next_seq += cl.records;
    cl.busy = false;
    start_write(c);
  }

  // ---- healing and the final check -----------------------------------------------------

  void convergence_check() {
    if (now_ == opt_.fault_ms) {
      trace("HEAL everything: network, disks, crashed nodes");
      std::fill(blocked_.begin(), blocked_.end(), 0);
      partitioned_ = false;
      for (int i = 1; i <= opt_.nodes; ++i)
        if (!nd(i).up) restart(i);
    }
    schedule(mk(now_ + 20, ev::check));
    for (const client& cl : clients_)
      if (cl.busy && cl.producer_id >= 0) return;
    int leader = 0;
    for (int i = 1; i <= opt_.nodes; ++i)
      if (nd(i).core->state() == role::leader &&
          (leader == 0 || nd(i).core->term() > nd(leader).core->term()))
        leader = i;
    if (leader == 0) return;
    const node& l = *nd(leader).core;
    if (l.commit() != l.log().last()) return;
    for (int i = 1; i <= opt_.nodes; ++i) {
      const node& n = *nd(i).core;
      if (n.term() != l.term() || n.commit() != l.commit() || n.log().last() != l.log().last())
        return;
    }
    res_.converged_ms = now_;
    trace("CONVERGED: leader " + std::to_string(leader) + " term " +
          std::to_string(l.term().value) + " commit " + std::to_string(l.commit().value));
    final_check();
    done_ = true;
  }

  void final_check() {
    for (int i = 1; i <= opt_.nodes; ++i) check_.compare_with_core(i, *nd(i).core);
    std::map<std::string, int> seen;
    for (const auto& [last, e] : check_.committed())
      if (e.kind == entry_kind::data) seen[e.payload]++;
    for (const auto& [payload, count] : seen)
      if (count > 1 && payload.rfind("c2", 0) != 0)
        fail("idempotent write " + payload + " is in the final log " + std::to_string(count) +
             " times");
    for (const acked_write& w : acked_) {
      auto it = check_.committed().find(w.last.value);
      if (seen[w.payload] != 1 || it == check_.committed().end() || it->second.payload != w.payload ||
          it->second.base != w.base)
        fail("acknowledged acks=all write " + w.payload + " at " + std::to_string(w.base.value) +
             "-" + std::to_string(w.last.value) + " is not in the final log exactly once there");
    }
  }

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
};

} // namespace

sim_result run_simulation(const sim_options& opt) {
  simulation s(opt);
  return s.run();
}

} // namespace pinpipe::raft::sim
