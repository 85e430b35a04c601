// The simulator's nodes, disks, network and fault schedule (sim_world.hpp).
#include <algorithm>
#include <sstream>

#include "raft_disk.hpp"
#include "sim_world.hpp"

namespace pinpipe::raft::sim {
namespace detail {

simulation::simulation(const sim_options& o) : opt_(o), r_{o.seed}, check_(o.nodes, o.check_durability) {
  std::ostringstream ps;
  drop_ = r_.below(150);
  dup_ = r_.below(50);
  delay_min_ = 1 + static_cast<int64_t>(r_.below(3));
  delay_span_ = 1 + static_cast<int64_t>(r_.below(30));
  fsync_max_ = 1 + static_cast<int64_t>(r_.below(10));
  partition_ = r_.below(250);
  crash_ = r_.below(150);
  batches_per_append_ = 1 + r_.below(8);
  inflight_ = 1 + static_cast<int>(r_.below(8));
  ps << "nodes=" << o.nodes << " drop=" << drop_ / 10.0 << "% dup=" << dup_ / 10.0
     << "% delay=" << delay_min_ << "-" << delay_min_ + delay_span_ << "ms fsync<=" << fsync_max_
     << "ms partition=" << partition_ / 10.0 << "%/50ms crash=" << crash_ / 10.0
     << "%/50ms batches/append=" << batches_per_append_ << " inflight=" << inflight_;
  res_.params = ps.str();
  nodes_.resize(static_cast<size_t>(o.nodes) + 1);
  blocked_.assign(static_cast<size_t>(o.nodes + 1) * static_cast<size_t>(o.nodes + 1), false);
  for (int i = 1; i <= o.nodes; ++i) {
    sim_node& n = nodes_[static_cast<size_t>(i)];
    n.cfg.id = node_id{i};
    for (int j = 1; j <= o.nodes; ++j) n.cfg.voters.push_back(node_id{j});
    n.cfg.seed = o.seed * 1000 + static_cast<uint64_t>(i);
    n.cfg.max_batches_per_append = batches_per_append_;
  n.cfg.max_inflight_appends = inflight_;
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

sim_result simulation::run() {
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

void simulation::handle(event& e) {
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

void simulation::drain(int i) {
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
      res_.resets += rd.persist->reset;
      res_.truncations += rd.persist->truncate_from != no_offset;
      n.unsynced.push_back({std::move(*rd.persist), std::move(rd.messages)});
      if (!n.sync_scheduled) {
        n.sync_scheduled = true;
        event s = mk(now_ + 1 + static_cast<int64_t>(r_.below(static_cast<uint64_t>(fsync_max_))),
                     ev::sync, i);
        s.tag = n.epoch;
        schedule(std::move(s));
      }
    } else {
      // The contract holds a ready's messages only for its own persist request: these
      // leave now, even while earlier writes are still unsynced (a pipelining host).
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

void simulation::sync(int i, uint64_t epoch) {
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

void simulation::crash(int i) {
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

void simulation::restart(int i) {
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

void simulation::compact(int i) {
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

void simulation::send(message m) {
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

void simulation::deliver(event& e) {
  int from = static_cast<int>(e.msg.from.value), to = e.node;
  if (!nd(to).up || blocked(from, to)) return;
  if (opt_.trace) trace("deliver " + to_string(e.msg));
  res_.transfers += e.msg.type == msg_type::timeout_now;
  nd(to).core->step(e.msg);
  drain(to);
}

void simulation::fault_step() {
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

} // namespace detail

sim_result run_simulation(const sim_options& opt) {
  detail::simulation s(opt);
  return s.run();
}

} // namespace pinpipe::raft::sim
