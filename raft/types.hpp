// Value types of the Raft core (docs/raft.md): log entries (one entry = one stored record
// batch), the hard state, proposals and their acknowledgements, the idempotent-producer
// state and the node configuration.
//
// Mapping onto the batch format (storage/format.hpp): an entry covers the offsets
// [base, last] of one batch; its Raft index is `last` and its term is the batch's
// `leader_term`. The "previous entry" of an AppendEntries is (last offset, term) of the
// batch before. Offsets below `log_start` were deleted by retention (they are committed);
// the term of the batch just before `log_start` is kept as `prefix_term`.
//
// Threading: plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::raft {

/// "No offset": smaller than every real offset (also than log_start - 1 = -1).
constexpr offset_t no_offset{std::numeric_limits<int64_t>::min()};
/// "No node": node ids start at 1.
constexpr node_id no_node{0};

enum class entry_kind : uint8_t {
  data = 0, ///< records from a producer
  noop = 1, ///< control batch a new leader appends in its own term; consumers skip it
};

/// One Raft entry: one record batch. `payload` is the encoded batch body, opaque here.
struct entry {
  offset_t base{0};
  offset_t last{0};
  term_t term{0};
  entry_kind kind = entry_kind::data;
  int64_t producer_id = -1;   ///< -1: not idempotent
  int32_t base_sequence = -1; ///< sequence of the first record, -1: not idempotent
  std::string payload;

  int32_t record_count() const { return static_cast<int32_t>(last.value - base.value + 1); }
  friend bool operator==(const entry& a, const entry& b) {
    return a.base == b.base && a.last == b.last && a.term == b.term && a.kind == b.kind &&
           a.producer_id == b.producer_id && a.base_sequence == b.base_sequence &&
           a.payload == b.payload;
  }
  friend bool operator!=(const entry& a, const entry& b) { return !(a == b); }
};

/// Term and vote: written durably (fsync + atomic rename) before any message that
/// depends on them leaves the node.
struct hard_state {
  term_t term{0};
  node_id vote = no_node;
  friend bool operator==(const hard_state& a, const hard_state& b) {
    return a.term == b.term && a.vote == b.vote;
  }
  friend bool operator!=(const hard_state& a, const hard_state& b) { return !(a == b); }
};

/// One batch an idempotent producer wrote: its sequence range and where it landed.
struct producer_batch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  offset_t base{0};
  offset_t last{0};
  friend bool operator==(const producer_batch& a, const producer_batch& b) {
    return a.first_seq == b.first_seq && a.last_seq == b.last_seq && a.base == b.base &&
           a.last == b.last;
  }
};

/// The recent batches of one producer (oldest first, at most producer_history of them).
struct producer_state {
  int64_t producer_id = -1;
  std::vector<producer_batch> recent;
  friend bool operator==(const producer_state& a, const producer_state& b) {
    return a.producer_id == b.producer_id && a.recent == b.recent;
  }
};
/// Producer state as of some offset, sorted by producer id.
using producer_snapshot = std::vector<producer_state>;
constexpr size_t producer_history = 5;

enum class acks_mode : uint8_t {
  leader = 1, ///< answered once the leader has appended the batch (lost on failover)
  all = 2,    ///< answered at commit: a majority has the batch durably
};

/// A client's batch of records, handed to the leader.
struct proposal {
  uint64_t id = 0;          ///< the caller's id, echoed in the proposal_ack
  int32_t record_count = 1; ///< >= 1: the batch takes this many offsets
  acks_mode acks = acks_mode::all;
  int64_t producer_id = -1;   ///< >= 0 with base_sequence >= 0: idempotent
  int32_t base_sequence = -1;
  std::string payload;
};

/// The answer to an accepted proposal. code ok: the batch is at [base, last] (for a
/// retry of a batch the log already has, `duplicate` is set and the offsets are the
/// original ones). code not_leader: this node lost leadership before the batch committed;
/// the outcome is UNKNOWN (it may still commit): retry with the same producer id and
/// sequence to find out without duplicating.
struct proposal_ack {
  uint64_t id = 0;
  errc code = errc::ok;
  offset_t base = no_offset;
  offset_t last = no_offset;
  bool duplicate = false;
  friend bool operator==(const proposal_ack& a, const proposal_ack& b) {
    return a.id == b.id && a.code == b.code && a.base == b.base && a.last == b.last &&
           a.duplicate == b.duplicate;
  }
};

/// Configuration of one replica of one Raft group. Times are in ticks; the host ticks
/// every 10 ms, so the defaults are a 50 ms heartbeat and a 300-600 ms election timeout.
struct config {
  node_id id = no_node;
  std::vector<node_id> voters; ///< every replica of the group, including `id`
  int heartbeat_ticks = 5;
  int election_ticks_min = 30; ///< election timeout drawn from [min, max] after each reset
  int election_ticks_max = 60;
  bool pre_vote = true;    ///< thesis 9.6
  bool check_quorum = true; ///< a leader not hearing from a majority steps down
  size_t max_batches_per_append = 64;
  int max_inflight_appends = 8; ///< per follower, while replicating
  uint64_t seed = 1;            ///< seeds the election timeout randomisation
#ifdef PINPIPE_RAFT_TEST_FAULTS
  // Broken rules, only in the test-only build of the core (pinpipe_raft_faults), so
  // tests can prove that the simulator's checker notices them.
  bool fault_ack_before_persist = false; ///< followers acknowledge appends before fsync
  bool fault_commit_old_terms = false;   ///< count replicas for entries of older terms
#endif
};

/// Checks a config; the message says what is wrong and how to fix it.
status validate(const config& c);

} // namespace pinpipe::raft
