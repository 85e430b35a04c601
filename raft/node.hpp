// One replica of one Raft group as a pure state machine (docs/raft.md), in the style of
// etcd's raft.go: no threads, sockets, clocks or files. The host feeds it ticks, messages,
// proposals and "persisted" acknowledgements, and drains its output with take_ready().
//
// The host's loop, for each ready `rd`:
//   1. if rd.persist: apply it to storage IN ORDER (hard state, then reset, then truncate,
//      then append) and make it durable (fsync; the hard state by atomic rename);
//   2. only then send rd.messages (votes and term changes depend on step 1). A ready
//      without a persist request may be sent at once, even while earlier requests are
//      still being written: the core acknowledges appends only up to persisted();
//   3. answer rd.acks to the clients; expose rd.commit as the high watermark;
//   4. once the request is durable, call persisted(rd.persist->id). Requests are made
//      durable and acknowledged in the order they were issued.
//
// Rules kept here: election safety (one vote per term, persisted before it is sent),
// pre-vote, check-quorum with a leader lease on the voters, randomised election timeouts,
// log matching with divergent-tail truncation, commit only when a majority has PERSISTED
// an entry of the leader's own term (a new leader appends a no-op batch first), a
// snapshot-less reset for followers behind the leader's log_start, leadership transfer
// (timeout_now), and idempotent-producer deduplication from the replicated batches.
//
// Threading: not thread-safe; one owner calls everything.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "raft/log.hpp"
#include "raft/message.hpp"
#include "raft/producers.hpp"
#include "raft/types.hpp"

namespace pinpipe::raft {

enum class role : uint8_t { follower, pre_candidate, candidate, leader };
const char* to_string(role r);

/// What the host must write before it sends the messages of the same ready.
struct persist_request {
  uint64_t id = 0; ///< pass to persisted() once durable
  std::optional<hard_state> hard;
  /// Drop the whole log; it now starts at reset_log_start after a batch of
  /// reset_prefix_term, with reset_producers as the producer state there.
  bool reset = false;
  offset_t reset_log_start = no_offset;
  term_t reset_prefix_term{0};
  producer_snapshot reset_producers;
  offset_t truncate_from = no_offset; ///< drop every batch with base >= this (when set)
  std::vector<entry> entries;         ///< then append these
};

struct ready {
  std::optional<persist_request> persist;
  std::vector<message> messages; ///< send after `persist` is durable
  offset_t commit = no_offset;   ///< the commit index = high watermark
  std::vector<proposal_ack> acks;
};

/// What a restarted replica found on its disk.
struct durable_state {
  hard_state hard;
  offset_t log_start{0};
  term_t prefix_term{0};
  producer_snapshot producers; ///< the producer state at log_start
  std::vector<entry> entries;
};

class node {
public:
  /// `cfg` must pass validate(); `disk` is empty for a brand-new replica.
  explicit node(config cfg, durable_state disk = {});

  /// One clock tick (10 ms by default).
  void tick();
  /// A message from a peer. Messages for another node, from outside the group, of another
  /// version or malformed (offsets out of range, entries not continuing prev) are dropped
  /// and counted in dropped_messages().
  void step(const message& m);
  /// A client batch. ok: accepted, a proposal_ack with p.id follows in a ready.
  /// not_leader (see leader()), unavailable (leadership transfer in progress),
  /// out_of_order_sequence or invalid_argument: rejected now, nothing was appended.
  status propose(proposal p);
  /// Starts moving leadership to `to` (a voter). Only on the leader.
  status transfer_leadership(node_id to);
  /// Persist request `id` (and every earlier one) is durable.
  void persisted(uint64_t id);
  /// Retention deleted the batches before `new_start`: it must be an entry boundary at or
  /// below the commit index + 1 and the persisted offset + 1.
  status compact(offset_t new_start);

  bool has_ready() const;
  ready take_ready();

  node_id id() const { return cfg_.id; }
  role state() const { return role_; }
  term_t term() const { return term_; }
  node_id vote() const { return vote_; }
  node_id leader() const { return leader_; }
  offset_t commit() const { return commit_; }
  offset_t persisted_offset() const { return persisted_; }
  const raft_log& log() const { return log_; }
  const producer_table& producers() const { return producers_; }
  uint64_t dropped_messages() const { return dropped_; }
  /// On the leader: itself and the followers in sync with it (answered within the minimum
  /// election timeout and being replicated to, not probed); empty on other roles.
  std::vector<node_id> caught_up() const;

private:
  struct progress {
    offset_t match = no_offset;
    offset_t next{0};
    bool replicating = false; ///< false: probing, one append at a time
    bool probe_sent = false;
    int inflight = 0;
    bool recent_active = false;
    bool acked_since_heartbeat = false;
    int silent_ticks = 0; ///< leader ticks since the follower last answered
  };
  struct pending_ack {
    uint64_t id;
    acks_mode acks;
    offset_t base, last;
    bool duplicate;
  };
  enum class campaign_kind { pre_vote, election, transfer };

  // node.cpp: terms, elections, ticks
  void become_follower(term_t term, node_id leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void campaign(campaign_kind kind);
  void handle_vote_request(const message& m);
  void handle_vote_response(const message& m);
  void tick_leader();
  void reset_timers();
  bool in_lease() const;
  bool log_up_to_date(offset_t last, term_t term) const;
  void send(message m);
  size_t quorum() const { return cfg_.voters.size() / 2 + 1; }

  // node_replication.cpp: log, proposals, commit
  void handle_append(const message& m);
  void handle_append_response(const message& m);
  void handle_heartbeat(const message& m);
  void handle_heartbeat_response(const message& m);
  void send_append(node_id to);
  void broadcast_append();
  void broadcast_heartbeat();
  void append_local(entry e);
  void truncate_local(offset_t from);
  void reset_local(offset_t log_start, term_t prefix_term, const producer_snapshot& producers);
  void maybe_commit();
  void on_commit_advanced();
  void fail_pending(errc code);
  void answer_follower_ack();
  offset_t follower_ack_match() const;

  config cfg_;
  role role_ = role::follower;
  term_t term_{0};
  node_id vote_ = no_node;
  node_id leader_ = no_node;
  raft_log log_;
  producer_table producers_base_; ///< state at log_start
  producer_table producers_;      ///< state after the whole log
  offset_t commit_ = no_offset;
  offset_t persisted_ = no_offset;

  // timers
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;
  uint64_t rng_ = 0;

  // elections
  std::map<node_id, bool> votes_;

  // leader
  std::map<node_id, progress> progress_;
  std::deque<pending_ack> pending_;
  node_id transfer_target_ = no_node;
  int transfer_elapsed_ = 0;

  // follower: highest offset verified against the current leader, and a success
  // response owed to it once that much is persisted
  offset_t verified_ = no_offset;
  bool ack_owed_ = false;

  // output
  std::vector<message> msgs_;
  std::vector<proposal_ack> acks_;
  bool hard_dirty_ = false;
  bool reset_pending_ = false;
  offset_t truncate_pending_ = no_offset;
  offset_t unsent_from_{0}; ///< entries from here on are not in a persist request yet
  offset_t reported_commit_ = no_offset;
  uint64_t next_request_ = 1;
  struct outstanding {
    uint64_t id;
    offset_t last; ///< durable (and still in the log) once `id` is
  };
  std::deque<outstanding> outstanding_;
  uint64_t dropped_ = 0;
};

} // namespace pinpipe::raft
