// raft::node, part 2: proposals, AppendEntries on both sides, persistence bookkeeping,
// the commit rule, compaction and the ready output.
#include <algorithm>
#include <string>

#include "raft/node.hpp"
#include "raft/quorum.hpp"

namespace pinpipe::raft {

namespace {
offset_t plus(offset_t o, int64_t n) { return offset_t{o.value + n}; }
} // namespace

// ---- proposals -------------------------------------------------------------------------

status node::propose(proposal p) {
  if (role_ != role::leader) {
    std::string hint = leader_ == no_node
                           ? "no leader is known yet (an election is under way); retry shortly"
                           : "retry on node " + std::to_string(leader_.value);
    return {errc::not_leader, "node " + std::to_string(cfg_.id.value) +
                                  " is not the leader of this partition: " + hint};
  }
  if (transfer_target_ != no_node)
    return {errc::unavailable, "leadership is moving to node " +
                                   std::to_string(transfer_target_.value) + "; retry there"};
  if (p.record_count < 1)
    return {errc::invalid_argument, "a batch needs at least one record"};
  bool idempotent = p.producer_id >= 0 && p.base_sequence >= 0;
  if (idempotent) {
    if (p.base_sequence > INT32_MAX - (p.record_count - 1))
      return {errc::invalid_argument, "sequence overflows int32; start a new producer id"};
    auto c = producers_.check(p.producer_id, p.base_sequence, p.record_count);
    if (c.v == producer_table::verdict::out_of_order)
      return {errc::out_of_order_sequence,
              "producer " + std::to_string(p.producer_id) + " sent sequence " +
                  std::to_string(p.base_sequence) + " but the next expected is " +
                  std::to_string(c.expected) + "; resend the missing batches in order"};
    if (c.v == producer_table::verdict::duplicate) {
      // A retry: answer with the original offsets, once the original is committed.
      if (p.acks == acks_mode::leader || c.original.last <= commit_)
        acks_.push_back({p.id, errc::ok, c.original.base, c.original.last, true});
      else
        pending_.push_back({p.id, p.acks, c.original.base, c.original.last, true});
      return status::success();
    }
  }
  entry e;
  e.base = plus(log_.last(), 1);
  e.last = plus(e.base, p.record_count - 1);
  e.term = term_;
  e.kind = entry_kind::data;
  e.producer_id = idempotent ? p.producer_id : -1;
  e.base_sequence = idempotent ? p.base_sequence : -1;
  e.payload = std::move(p.payload);
  offset_t base = e.base, last = e.last;
  append_local(std::move(e));
  if (p.acks == acks_mode::leader)
    acks_.push_back({p.id, errc::ok, base, last, false});
  else
    pending_.push_back({p.id, p.acks, base, last, false});
  broadcast_append();
  maybe_commit(); // a group of one
  return status::success();
}

void node::fail_pending(errc code) {
  for (const pending_ack& a : pending_) acks_.push_back({a.id, code, a.base, a.last, a.duplicate});
  pending_.clear();
}

void node::on_commit_advanced() {
  auto done = [&](const pending_ack& a) { return a.last <= commit_; };
  for (const pending_ack& a : pending_)
    if (done(a)) acks_.push_back({a.id, errc::ok, a.base, a.last, a.duplicate});
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), done), pending_.end());
}

// ---- local log changes -----------------------------------------------------------------

void node::append_local(entry e) {
  producers_.apply(e);
  log_.append(std::move(e));
}

void node::truncate_local(offset_t from) {
  PINPIPE_ASSERT(from > commit_, "a committed entry is never truncated");
  log_.truncate_from(from);
  if (from < unsent_from_) {
    truncate_pending_ = truncate_pending_ == no_offset ? from : std::min(truncate_pending_, from);
    unsent_from_ = from;
  }
  offset_t keep = plus(from, -1);
  persisted_ = std::min(persisted_, keep);
  for (outstanding& o : outstanding_) o.last = std::min(o.last, keep);
  verified_ = std::min(verified_, keep);
  // The producer state follows the log: rebuild it from the batches that remain.
  producers_ = producers_base_;
  for (const entry& e : log_.entries()) producers_.apply(e);
}

void node::reset_local(offset_t log_start, term_t prefix_term, const producer_snapshot& snap) {
  log_.reset(log_start, prefix_term);
  producers_base_.restore(snap);
  producers_.restore(snap);
  reset_pending_ = true;
  truncate_pending_ = no_offset;
  unsent_from_ = log_start;
  // Until the reset is durable, the disk holds the old log: nothing counts as persisted.
  persisted_ = no_offset;
  for (outstanding& o : outstanding_) o.last = no_offset;
  verified_ = no_offset;
  commit_ = std::max(commit_, plus(log_start, -1)); // the leader deleted only committed batches
}

std::vector<node_id> node::caught_up() const {
  std::vector<node_id> out;
  if (role_ != role::leader) return out;
  for (node_id v : cfg_.voters) {
    if (v == cfg_.id) {
      out.push_back(v);
      continue;
    }
    auto it = progress_.find(v);
    if (it != progress_.end() && it->second.replicating &&
        it->second.silent_ticks < cfg_.election_ticks_min)
      out.push_back(v);
  }
  return out;
}

status node::compact(offset_t new_start) {
  if (new_start <= log_.log_start()) return status::success();
  if (new_start > plus(commit_, 1) || new_start > plus(persisted_, 1))
    return {errc::invalid_argument,
            "cannot drop batches before offset " + std::to_string(new_start.value) +
                ": only committed and persisted batches may be deleted (commit " +
                std::to_string(commit_.value) + ", persisted " + std::to_string(persisted_.value) + ")"};
  if (new_start != plus(log_.last(), 1)) {
    const entry* e = log_.containing(new_start);
    if (!e || e->base != new_start)
      return {errc::invalid_argument, "offset " + std::to_string(new_start.value) +
                                          " is not the first offset of a batch"};
  }
  for (const entry& e : log_.entries()) {
    if (e.last >= new_start) break;
    producers_base_.apply(e);
  }
  log_.compact(new_start);
  unsent_from_ = std::max(unsent_from_, new_start);
  return status::success();
}

// ---- leader side -----------------------------------------------------------------------

void node::send_append(node_id to) {
  progress& pr = progress_.at(to);
  if (!pr.replicating && pr.probe_sent) return;
  if (pr.replicating && pr.inflight >= cfg_.max_inflight_appends) return;
  if (pr.next < log_.log_start()) pr.next = log_.log_start();
  message m;
  m.type = msg_type::append;
  m.to = to;
  m.prev_last = plus(pr.next, -1);
  auto t = log_.term_at(m.prev_last);
  PINPIPE_ASSERT(t.has_value(), "a follower's next offset is always an entry boundary");
  m.prev_term = *t;
  m.entries = log_.slice(pr.next, cfg_.max_batches_per_append);
  m.commit = commit_;
  if (m.prev_last == plus(log_.log_start(), -1) && log_.log_start().value > 0) {
    m.reset = true;
    m.producers = producers_base_.snapshot();
  }
  if (pr.replicating) {
    if (m.entries.empty()) return; // heartbeats keep an idle follower company
    pr.next = plus(m.entries.back().last, 1);
    ++pr.inflight;
  } else {
    pr.probe_sent = true;
  }
  send(std::move(m));
}

void node::broadcast_append() {
  for (auto& [id, pr] : progress_) send_append(id);
}

void node::broadcast_heartbeat() {
  for (auto& [id, pr] : progress_) {
    message m;
    m.type = msg_type::heartbeat;
    m.to = id;
    m.commit = std::min(pr.match, commit_); // the follower has everything up to its match
    send(std::move(m));
  }
}

void node::handle_append_response(const message& m) {
  progress& pr = progress_.at(m.from);
  if (m.reject) {
    if (m.rejected_prev == no_offset) return; // a term notice, handled in step()
    if (m.rejected_prev <= pr.match || m.rejected_prev >= pr.next) return; // stale
    offset_t prev = log_.floor_boundary(std::min(m.hint, plus(m.rejected_prev, -1)));
    if (prev < pr.match) prev = pr.match;
    pr.next = std::max(plus(prev, 1), log_.log_start());
    pr.replicating = false;
    pr.probe_sent = false;
    pr.inflight = 0;
    send_append(m.from);
    return;
  }
  if (m.match > log_.last()) return; // not from our log
  if (m.match > pr.match) pr.match = m.match;
  pr.acked_since_heartbeat = true;
  if (pr.next <= pr.match) pr.next = plus(pr.match, 1);
  if (!pr.replicating) {
    pr.replicating = true;
    pr.probe_sent = false;
    pr.inflight = 0;
  } else if (plus(pr.next, -1) <= pr.match) {
    pr.inflight = 0;
  } else if (pr.inflight > 0) {
    --pr.inflight;
  }
  maybe_commit();
  if (transfer_target_ == m.from && pr.match == log_.last()) {
    message t;
    t.type = msg_type::timeout_now;
    t.to = m.from;
    send(std::move(t));
  }
  send_append(m.from);
}

void node::handle_heartbeat_response(const message& m) {
  progress& pr = progress_.at(m.from);
  if (pr.match < log_.last()) {
    if (pr.replicating && !pr.acked_since_heartbeat) {
      // No progress for a whole heartbeat: appends were lost. Resend from the match.
      pr.replicating = false;
      pr.next = plus(pr.match, 1);
      pr.inflight = 0;
    }
    pr.probe_sent = false;
    send_append(m.from);
  }
  pr.acked_since_heartbeat = false;
}

void node::maybe_commit() {
  if (role_ != role::leader) return;
  std::vector<offset_t> acked{persisted_};
  for (const auto& [id, pr] : progress_) acked.push_back(pr.match);
  offset_t q = quorum_index(std::move(acked));
  if (q <= commit_) return;
  auto t = log_.term_at(q);
  if (!t) return;
  bool own_term = *t == term_;
#ifdef PINPIPE_RAFT_TEST_FAULTS
  own_term = own_term || cfg_.fault_commit_old_terms;
#endif
  if (!own_term) return; // Figure 8: older entries commit only under one of our own
  commit_ = q;
  on_commit_advanced();
}

// ---- follower side ---------------------------------------------------------------------

void node::handle_append(const message& m) {
  if (role_ != role::follower || leader_ != m.from) become_follower(term_, m.from);
  election_elapsed_ = 0;

  offset_t prev = m.prev_last;
  term_t prev_term = m.prev_term;
  size_t k = 0;
  offset_t start_prev = plus(log_.log_start(), -1);
  if (prev < start_prev) {
    // We deleted that far already; what we deleted was committed, so it matches.
    while (k < m.entries.size() && m.entries[k].last <= start_prev) ++k;
    if (k < m.entries.size() && m.entries[k].base != log_.log_start()) return; // malformed
    prev = start_prev;
    prev_term = log_.prefix_term();
  }
  auto t = log_.term_at(prev);
  if (!t || *t != prev_term) {
    if (m.reset && !(t && prev <= commit_)) {
      // The leader's log starts at prev + 1 and ours does not reach it: start over there.
      reset_local(plus(prev, 1), prev_term, m.producers);
    } else {
      message r;
      r.type = msg_type::append_response;
      r.to = m.from;
      r.reject = true;
      r.rejected_prev = m.prev_last;
      r.hint = log_.floor_boundary(prev);
      if (prev <= log_.last()) {
        // Skip back over our entries of terms newer than the leader's prev (etcd's
        // findConflictByTerm): none of them can match.
        if (r.hint == prev) r.hint = log_.floor_boundary(plus(prev, -1));
        while (r.hint >= log_.log_start()) {
          auto ht = log_.term_at(r.hint);
          if (!ht || *ht <= prev_term) break;
          r.hint = log_.floor_boundary(plus(r.hint, -1));
        }
      }
      send(std::move(r));
      return;
    }
  }
  offset_t verified = prev;
  for (; k < m.entries.size(); ++k) {
    const entry& e = m.entries[k];
    if (e.base != plus(verified, 1) || e.last < e.base) return; // malformed
    auto have = log_.term_at(e.last);
    if (have && *have == e.term) { // log matching: the same entry
      verified = e.last;
      continue;
    }
    if (e.base <= log_.last()) truncate_local(e.base); // divergent tail
    append_local(e);
    verified = e.last;
  }
  offset_t new_commit = std::min(m.commit, verified);
  if (new_commit > commit_) commit_ = new_commit;
  verified_ = std::max(verified_, verified);

  bool ack_now = persisted_ >= verified;
#ifdef PINPIPE_RAFT_TEST_FAULTS
  ack_now = ack_now || cfg_.fault_ack_before_persist;
#endif
  if (ack_now) {
    message r;
    r.type = msg_type::append_response;
    r.to = m.from;
    r.match = verified;
    send(std::move(r));
  } else {
    ack_owed_ = true; // answered by persisted(): followers acknowledge only durable data
  }
}

void node::handle_heartbeat(const message& m) {
  if (role_ != role::follower || leader_ != m.from) become_follower(term_, m.from);
  election_elapsed_ = 0;
  offset_t c = std::min(m.commit, log_.last());
  if (c > commit_) commit_ = c;
  message r;
  r.type = msg_type::heartbeat_response;
  r.to = m.from;
  send(std::move(r));
}

offset_t node::follower_ack_match() const { return std::min(persisted_, verified_); }

void node::answer_follower_ack() {
  if (role_ != role::follower || leader_ == no_node || !ack_owed_) return;
  offset_t match = follower_ack_match();
  if (match < plus(log_.log_start(), -1)) return;
  message r;
  r.type = msg_type::append_response;
  r.to = leader_;
  r.match = match;
  send(std::move(r));
  ack_owed_ = persisted_ < verified_;
}

// ---- persistence and output ------------------------------------------------------------

void node::persisted(uint64_t id) {
  while (!outstanding_.empty() && outstanding_.front().id <= id) {
    persisted_ = std::max(persisted_, outstanding_.front().last);
    outstanding_.pop_front();
  }
  if (role_ == role::leader)
    maybe_commit();
  else
    answer_follower_ack();
}

bool node::has_ready() const {
  return !msgs_.empty() || !acks_.empty() || hard_dirty_ || reset_pending_ ||
         truncate_pending_ != no_offset || unsent_from_ <= log_.last() ||
         commit_ != reported_commit_;
}

ready node::take_ready() {
  ready rd;
  bool log_changed =
      reset_pending_ || truncate_pending_ != no_offset || unsent_from_ <= log_.last();
  if (hard_dirty_ || log_changed) {
    persist_request p;
    p.id = next_request_++;
    if (hard_dirty_) p.hard = hard_state{term_, vote_};
    if (reset_pending_) {
      p.reset = true;
      p.reset_log_start = log_.log_start();
      p.reset_prefix_term = log_.prefix_term();
      p.reset_producers = producers_base_.snapshot();
    }
    p.truncate_from = truncate_pending_;
    offset_t from = std::max(unsent_from_, log_.log_start());
    if (from <= log_.last()) p.entries = log_.slice(from, SIZE_MAX);
    outstanding_.push_back({p.id, log_.last()});
    hard_dirty_ = false;
    reset_pending_ = false;
    truncate_pending_ = no_offset;
    unsent_from_ = plus(log_.last(), 1);
    rd.persist = std::move(p);
  }
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.acks = std::move(acks_);
  acks_.clear();
  rd.commit = commit_;
  reported_commit_ = commit_;
  return rd;
}

} // namespace pinpipe::raft
