// raft::node, part 1: construction, terms, elections (pre-vote, vote, leadership
// transfer), ticks and check-quorum. Replication is in node_replication.cpp.
#include "raft/node.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "raft/quorum.hpp"

namespace pinpipe::raft {

const char* to_string(role r) {
  switch (r) {
  case role::follower: return "follower";
  case role::pre_candidate: return "pre_candidate";
  case role::candidate: return "candidate";
  case role::leader: return "leader";
  }
  return "unknown";
}

status validate(const config& c) {
  auto bad = [](std::string what) {
    return status{errc::invalid_config, "raft: " + what};
  };
  if (c.id == no_node) return bad("node id 0 is reserved for 'no node'; number nodes from 1");
  std::set<node_id> seen;
  for (node_id v : c.voters) {
    if (v == no_node) return bad("voter id 0 is reserved; number nodes from 1");
    if (!seen.insert(v).second)
      return bad("voter " + std::to_string(v.value) + " is listed twice; list each node once");
  }
  if (!seen.count(c.id))
    return bad("node " + std::to_string(c.id.value) +
               " is not among the group's voters; add it or start it with its own id");
  if (c.heartbeat_ticks < 1) return bad("heartbeat_ticks must be at least 1");
  if (c.election_ticks_min <= c.heartbeat_ticks)
    return bad("election_ticks_min must be larger than heartbeat_ticks (a leader must "
               "heartbeat several times per election timeout)");
  if (c.election_ticks_max < c.election_ticks_min)
    return bad("election_ticks_max must be at least election_ticks_min");
  if (c.max_batches_per_append < 1) return bad("max_batches_per_append must be at least 1");
  if (c.max_inflight_appends < 1) return bad("max_inflight_appends must be at least 1");
  return status::success();
}

node::node(config cfg, durable_state disk) : cfg_(std::move(cfg)) {
  status st = validate(cfg_);
  PINPIPE_ASSERT(st.ok(), st.message().c_str());
  log_ = raft_log(disk.log_start, disk.prefix_term, std::move(disk.entries));
  producers_base_.restore(disk.producers);
  producers_.restore(disk.producers);
  for (const entry& e : log_.entries()) producers_.apply(e);
  // A crash between writing entries and the hard state can leave a log whose last term is
  // above the stored term; no vote was sent in that term (it would have been stored).
  term_ = std::max(disk.hard.term, log_.last_term());
  vote_ = term_ == disk.hard.term ? disk.hard.vote : no_node;
  hard_dirty_ = term_ != disk.hard.term;
  persisted_ = log_.last();
  commit_ = offset_t{log_.log_start().value - 1};
  reported_commit_ = commit_;
  unsent_from_ = offset_t{log_.last().value + 1};
  rng_ = cfg_.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(cfg_.id.value);
  reset_timers();
}

void node::reset_timers() {
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  // splitmix64: deterministic per seed and node, so simulations reproduce.
  uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  int span = cfg_.election_ticks_max - cfg_.election_ticks_min + 1;
  randomized_timeout_ = cfg_.election_ticks_min + static_cast<int>(z % static_cast<uint64_t>(span));
}

bool node::in_lease() const {
  return cfg_.check_quorum && leader_ != no_node && election_elapsed_ < cfg_.election_ticks_min;
}

bool node::log_up_to_date(offset_t last, term_t term) const {
  return term > log_.last_term() || (term == log_.last_term() && last >= log_.last());
}

void node::send(message m) {
  m.version = 1;
  m.from = cfg_.id;
  if (m.term == term_t{0}) m.term = term_;
  msgs_.push_back(std::move(m));
}

void node::become_follower(term_t term, node_id leader) {
  if (term > term_) {
    term_ = term;
    vote_ = no_node;
    hard_dirty_ = true;
  }
  if (role_ == role::leader) {
    fail_pending(errc::not_leader);
    progress_.clear();
    transfer_target_ = no_node;
  }
  role_ = role::follower;
  leader_ = leader;
  verified_ = no_offset;
  ack_owed_ = false;
  votes_.clear();
  reset_timers();
}

void node::become_pre_candidate() {
  PINPIPE_ASSERT(role_ != role::leader, "a leader does not campaign");
  role_ = role::pre_candidate;
  leader_ = no_node;
  votes_.clear();
}

void node::become_candidate() {
  PINPIPE_ASSERT(role_ != role::leader, "a leader does not campaign");
  term_ = term_t{term_.value + 1};
  vote_ = cfg_.id;
  hard_dirty_ = true;
  role_ = role::candidate;
  leader_ = no_node;
  votes_.clear();
  reset_timers();
}

void node::become_leader() {
  PINPIPE_ASSERT(role_ == role::candidate, "only a candidate becomes leader");
  role_ = role::leader;
  leader_ = cfg_.id;
  transfer_target_ = no_node;
  progress_.clear();
  for (node_id v : cfg_.voters) {
    if (v == cfg_.id) continue;
    progress p;
    p.next = offset_t{log_.last().value + 1};
    progress_[v] = p;
  }
  reset_timers();
  // Raft section 8: a no-op batch of the new term. Entries of earlier terms commit only
  // with it (they are never committed by counting replicas; the "Figure 8" case).
  entry noop;
  noop.base = offset_t{log_.last().value + 1};
  noop.last = noop.base;
  noop.term = term_;
  noop.kind = entry_kind::noop;
  append_local(std::move(noop));
  broadcast_append();
  maybe_commit(); // a group of one commits on its own persistence
}

void node::campaign(campaign_kind kind) {
  msg_type type;
  term_t asked;
  if (kind == campaign_kind::pre_vote) {
    become_pre_candidate();
    type = msg_type::pre_vote;
    asked = term_t{term_.value + 1};
  } else {
    become_candidate();
    type = msg_type::vote;
    asked = term_;
  }
  votes_[cfg_.id] = true;
  if (tally(cfg_.voters.size(), 1, 0) == vote_result::won) {
    if (kind == campaign_kind::pre_vote)
      campaign(campaign_kind::election);
    else
      become_leader();
    return;
  }
  for (node_id v : cfg_.voters) {
    if (v == cfg_.id) continue;
    message m;
    m.type = type;
    m.to = v;
    m.term = asked;
    m.last_offset = log_.last();
    m.last_term = log_.last_term();
    m.transfer = kind == campaign_kind::transfer;
    send(std::move(m));
  }
}

void node::tick() {
  if (role_ == role::leader) {
    tick_leader();
    return;
  }
  if (++election_elapsed_ >= randomized_timeout_) {
    election_elapsed_ = 0;
    campaign(cfg_.pre_vote ? campaign_kind::pre_vote : campaign_kind::election);
  }
}

void node::tick_leader() {
  ++heartbeat_elapsed_;
  for (auto& [id, pr] : progress_) ++pr.silent_ticks;
  if (transfer_target_ != no_node && ++transfer_elapsed_ >= cfg_.election_ticks_min)
    transfer_target_ = no_node; // the target did not take over in time: carry on leading
  if (++election_elapsed_ >= cfg_.election_ticks_min) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      size_t active = 1;
      for (auto& [id, pr] : progress_) {
        if (pr.recent_active) ++active;
        pr.recent_active = false;
      }
      if (active < quorum()) {
        become_follower(term_, no_node); // lost touch with a majority: stop accepting writes
        return;
      }
    }
  }
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
}

namespace {
bool offset_ok(offset_t o) { return o.value >= -1; } // -1: "before the first offset"

/// Structural sanity of a peer's message; a message that fails is dropped and counted.
bool well_formed(const message& m) {
  if (m.term.value < 0) return false;
  switch (m.type) {
  case msg_type::append: {
    if (!offset_ok(m.prev_last) || m.prev_term.value < 0 || m.prev_term > m.term) return false;
    if (m.commit != no_offset && !offset_ok(m.commit)) return false;
    offset_t prev = m.prev_last;
    term_t t = m.prev_term;
    for (const entry& e : m.entries) {
      if (e.base.value != prev.value + 1 || e.last < e.base || e.term < t || e.term > m.term)
        return false;
      prev = e.last;
      t = e.term;
    }
    return true;
  }
  case msg_type::append_response:
    return m.reject ? (m.rejected_prev == no_offset || (offset_ok(m.rejected_prev) && offset_ok(m.hint)))
                    : offset_ok(m.match);
  case msg_type::heartbeat: return m.commit == no_offset || offset_ok(m.commit);
  case msg_type::pre_vote:
  case msg_type::vote: return offset_ok(m.last_offset) && m.last_term.value >= 0;
  case msg_type::heartbeat_response:
  case msg_type::pre_vote_response:
  case msg_type::vote_response:
  case msg_type::timeout_now: return true;
  }
  return false; // unknown type
}
} // namespace

void node::step(const message& m) {
  if (m.version != 1 || m.to != cfg_.id || m.from == cfg_.id ||
      std::find(cfg_.voters.begin(), cfg_.voters.end(), m.from) == cfg_.voters.end() ||
      !well_formed(m)) {
    ++dropped_;
    return;
  }

  if (m.term > term_) {
    if ((m.type == msg_type::pre_vote || m.type == msg_type::vote) && !m.transfer && in_lease())
      return; // we heard from a live leader recently: do not let a stray candidate disrupt it
    if (m.type == msg_type::pre_vote) {
      // a pre-vote never changes our term
    } else if (m.type == msg_type::pre_vote_response && !m.reject) {
      // granted pre-votes carry the term asked for, not the voter's
    } else {
      bool from_leader = m.type == msg_type::append || m.type == msg_type::heartbeat;
      become_follower(m.term, from_leader ? m.from : no_node);
    }
  } else if (m.term < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (m.type == msg_type::append || m.type == msg_type::heartbeat)) {
      // A deposed leader: our higher term makes it step down.
      message r;
      r.type = msg_type::append_response;
      r.to = m.from;
      r.reject = true;
      send(std::move(r));
    } else if (m.type == msg_type::pre_vote) {
      message r;
      r.type = msg_type::pre_vote_response;
      r.to = m.from;
      r.reject = true;
      send(std::move(r));
    }
    return;
  }

  if (role_ == role::leader) {
    auto it = progress_.find(m.from);
    if (it != progress_.end()) {
      it->second.recent_active = true;
      it->second.silent_ticks = 0;
    }
  }
  switch (m.type) {
  case msg_type::pre_vote:
  case msg_type::vote: handle_vote_request(m); break;
  case msg_type::pre_vote_response:
  case msg_type::vote_response: handle_vote_response(m); break;
  case msg_type::append:
    if (role_ == role::leader) return; // another leader in our term cannot exist
    handle_append(m);
    break;
  case msg_type::heartbeat:
    if (role_ == role::leader) return;
    handle_heartbeat(m);
    break;
  case msg_type::append_response:
    if (role_ == role::leader) handle_append_response(m);
    break;
  case msg_type::heartbeat_response:
    if (role_ == role::leader) handle_heartbeat_response(m);
    break;
  case msg_type::timeout_now:
    if (role_ != role::leader && m.from == leader_) campaign(campaign_kind::transfer);
    break;
  }
}

void node::handle_vote_request(const message& m) {
  bool pre = m.type == msg_type::pre_vote;
  bool can_vote = vote_ == m.from || (vote_ == no_node && leader_ == no_node) ||
                  (pre && m.term > term_);
  message r;
  r.type = pre ? msg_type::pre_vote_response : msg_type::vote_response;
  r.to = m.from;
  if (can_vote && log_up_to_date(m.last_offset, m.last_term)) {
    r.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
      hard_dirty_ = true; // persisted before the response leaves (ready contract)
    }
  } else {
    r.term = term_;
    r.reject = true;
  }
  send(std::move(r));
}

void node::handle_vote_response(const message& m) {
  if (m.type == msg_type::pre_vote_response) {
    if (role_ != role::pre_candidate) return;
    if (!m.reject && m.term.value != term_.value + 1) return;
  } else if (role_ != role::candidate || m.term != term_) {
    return;
  }
  votes_.emplace(m.from, !m.reject);
  size_t granted = 0, rejected = 0;
  for (const auto& [id, yes] : votes_) (yes ? granted : rejected)++;
  switch (tally(cfg_.voters.size(), granted, rejected)) {
  case vote_result::won:
    if (role_ == role::pre_candidate)
      campaign(campaign_kind::election);
    else
      become_leader();
    break;
  case vote_result::lost: become_follower(term_, no_node); break;
  case vote_result::pending: break;
  }
}

status node::transfer_leadership(node_id to) {
  if (role_ != role::leader)
    return {errc::not_leader, "only the leader can hand leadership over; ask node " +
                                  std::to_string(leader_.value)};
  if (to == cfg_.id) return status::success();
  auto it = progress_.find(to);
  if (it == progress_.end())
    return {errc::invalid_argument,
            "node " + std::to_string(to.value) + " is not a replica of this group"};
  transfer_target_ = to;
  transfer_elapsed_ = 0;
  if (it->second.match == log_.last()) {
    message m;
    m.type = msg_type::timeout_now;
    m.to = to;
    send(std::move(m));
  } else {
    send_append(to);
  }
  return status::success();
}

} // namespace pinpipe::raft
