// Test helper for the rule-by-rule Raft tests: a few raft::node instances wired together
// synchronously. pump() drains every node's ready, applies its persist request to that
// node's "disk" (or holds it, with the messages that depend on it, when the node's disk
// is paused), delivers messages unless the link is cut, and repeats until quiet.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "raft/node.hpp"
#include "raft_disk.hpp"

namespace pinpipe::raft::testing {

inline node_id nid(int i) { return node_id{i}; }
inline offset_t off(int64_t o) { return offset_t{o}; }
inline term_t trm(int64_t t) { return term_t{t}; }

inline config make_config(int id, int n) {
  config c;
  c.id = nid(id);
  for (int i = 1; i <= n; ++i) c.voters.push_back(nid(i));
  c.seed = 7;
  return c;
}

inline entry make_entry(int64_t base, int64_t last, int64_t term, std::string payload = "") {
  entry e;
  e.base = off(base);
  e.last = off(last);
  e.term = trm(term);
  e.payload = std::move(payload);
  return e;
}

class harness {
public:
  explicit harness(int n) : n_(n) {
    for (int i = 1; i <= n; ++i) {
      cfgs_[i] = make_config(i, n);
      nodes_[i] = std::make_unique<node>(cfgs_[i]);
    }
  }
  /// Replaces node `i` with one started from `disk` (and config tweaks in `c`).
  void start(int i, durable_state disk, config c) {
    cfgs_[i] = c;
    disks_[i] = disk;
    nodes_[i] = std::make_unique<node>(c, std::move(disk));
  }
  void start(int i, durable_state disk) { start(i, std::move(disk), cfgs_[i]); }
  /// Crash and restart from what was persisted.
  void restart(int i) {
    held_[i].clear();
    nodes_[i] = std::make_unique<node>(cfgs_[i], disks_[i]);
  }

  node& at(int i) { return *nodes_.at(i); }
  durable_state& disk(int i) { return disks_[i]; }
  std::vector<message>& sent() { return sent_; }
  std::vector<proposal_ack>& acks(int i) { return acks_[i]; }

  void cut(int a, int b) { cut_.insert({a, b}), cut_.insert({b, a}); }
  void cut_one_way(int from, int to) { cut_.insert({from, to}); }
  void heal() { cut_.clear(); }
  void isolate(int a) {
    for (int i = 1; i <= n_; ++i)
      if (i != a) cut(a, i);
  }
  /// While paused, node i's persist requests (and the messages after them) wait.
  void pause_disk(int i) { paused_.insert(i); }
  void resume_disk(int i) {
    paused_.erase(i);
    auto held = std::move(held_[i]);
    held_[i].clear();
    for (auto& [p, msgs] : held) {
      if (p) {
        apply_to_disk(disks_[i], *p);
        nodes_[i]->persisted(p->id);
      }
      for (auto& m : msgs) queue_.push_back(std::move(m));
    }
  }

  void tick(int i, int n = 1) {
    for (int k = 0; k < n; ++k) nodes_[i]->tick();
  }
  /// Ticks every node `n` times, pumping after each round.
  void tick_all(int n) {
    for (int k = 0; k < n; ++k) {
      for (int i = 1; i <= n_; ++i) nodes_[i]->tick();
      pump();
    }
  }
  /// Makes node i time out and campaign, then runs the election to the end.
  void elect(int i) {
    for (int k = 0; k < 1000 && nodes_[i]->state() == role::follower; ++k) nodes_[i]->tick();
    pump();
  }

  void pump() {
    for (int round = 0; round < 10000; ++round) {
      bool busy = false;
      for (int i = 1; i <= n_; ++i) {
        while (nodes_[i]->has_ready()) {
          busy = true;
          ready rd = nodes_[i]->take_ready();
          for (auto& a : rd.acks) acks_[i].push_back(a);
          // A ready's messages wait for its own persist request only (the host may
          // pipeline): readies without one go out at once.
          if (rd.persist && (paused_.count(i) || !held_[i].empty())) {
            held_[i].push_back({std::move(rd.persist), std::move(rd.messages)});
            continue;
          }
          if (rd.persist) {
            apply_to_disk(disks_[i], *rd.persist);
            nodes_[i]->persisted(rd.persist->id);
          }
          for (auto& m : rd.messages) queue_.push_back(std::move(m));
        }
      }
      if (!queue_.empty()) busy = true;
      auto q = std::move(queue_);
      queue_.clear();
      for (auto& m : q) {
        sent_.push_back(m);
        int from = static_cast<int>(m.from.value), to = static_cast<int>(m.to.value);
        if (cut_.count({from, to}) || !nodes_.count(to)) continue;
        nodes_[to]->step(m);
      }
      if (!busy) return;
    }
    ADD_FAILURE() << "the group did not go quiet within 10000 rounds";
  }

  /// Sent messages of a type since the last clear.
  std::vector<message> sent_of(msg_type t) const {
    std::vector<message> out;
    for (const auto& m : sent_)
      if (m.type == t) out.push_back(m);
    return out;
  }

private:
  int n_;
  std::map<int, config> cfgs_;
  std::map<int, std::unique_ptr<node>> nodes_;
  std::map<int, durable_state> disks_;
  std::map<int, std::vector<std::pair<std::optional<persist_request>, std::vector<message>>>> held_;
  std::map<int, std::vector<proposal_ack>> acks_;
  std::set<int> paused_;
  std::set<std::pair<int, int>> cut_;
  std::vector<message> queue_;
  std::vector<message> sent_;
};

inline proposal make_proposal(uint64_t id, int32_t records = 1, acks_mode acks = acks_mode::all,
                              int64_t producer = -1, int32_t seq = -1) {
  proposal p;
  p.id = id;
  p.record_count = records;
  p.acks = acks;
  p.producer_id = producer;
  p.base_sequence = seq;
  p.payload = "p" + std::to_string(id);
  return p;
}

inline message append_msg(int from, int to, int64_t term, int64_t prev_last, int64_t prev_term,
                   std::vector<entry> entries, int64_t commit) {
  message m;
  m.type = msg_type::append;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.prev_last = off(prev_last);
  m.prev_term = trm(prev_term);
  m.entries = std::move(entries);
  m.commit = off(commit);
  return m;
}

inline message vote_msg(int from, int to, int64_t term, int64_t last, int64_t last_term,
                 msg_type type = msg_type::vote) {
  message m;
  m.type = type;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.last_offset = off(last);
  m.last_term = trm(last_term);
  return m;
}

inline std::vector<message> messages_of(ready& rd, msg_type t) {
  std::vector<message> out;
  for (auto& m : rd.messages)
    if (m.type == t) out.push_back(m);
  return out;
}


/// Makes `n` the leader of the next term with a pre-vote and a vote from node 2.
inline void win_election(node& n) {
  for (int i = 0; i < 100 && n.state() == role::follower; ++i) n.tick();
  ASSERT_EQ(n.state(), role::pre_candidate);
  message pv;
  pv.type = msg_type::pre_vote_response;
  pv.from = nid(2);
  pv.to = n.id();
  pv.term = trm(n.term().value + 1);
  n.step(pv);
  ASSERT_EQ(n.state(), role::candidate);
  message v = pv;
  v.type = msg_type::vote_response;
  v.term = n.term();
  n.step(v);
  ASSERT_EQ(n.state(), role::leader);
}

inline message ack_msg(int from, int to, int64_t term, int64_t match) {
  message m;
  m.type = msg_type::append_response;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.match = off(match);
  return m;
}


inline int leader_of(harness& h, std::initializer_list<int> ids) {
  for (int i : ids)
    if (h.at(i).state() == role::leader) return i;
  return 0;
}

} // namespace pinpipe::raft::testing
