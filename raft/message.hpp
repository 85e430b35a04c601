// Messages between the replicas of one Raft group: one plain struct for every type, in
// the style of etcd's raftpb.Message. The version field comes first; fields will be
// encoded with MessagePack in declaration order and evolved append-only (not done yet:
// the core only produces and consumes these structs).
//
// Fields by type (the others keep their defaults):
//   append              prev_last, prev_term, entries, commit, reset (+ producers)
//   append_response     reject, match (success) or rejected_prev + hint (reject)
//   heartbeat           commit (already capped by the leader at the follower's match)
//   heartbeat_response  -
//   pre_vote / vote     last_offset, last_term, transfer (term: the term asked for)
//   *_vote_response     reject (term: the asked term when granted, else the voter's)
//   timeout_now         - (leadership transfer: campaign at once)
//
// Threading: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "raft/types.hpp"

namespace pinpipe::raft {

enum class msg_type : uint8_t {
  append = 1,
  append_response = 2,
  heartbeat = 3,
  heartbeat_response = 4,
  pre_vote = 5,
  pre_vote_response = 6,
  vote = 7,
  vote_response = 8,
  timeout_now = 9,
};

const char* to_string(msg_type t);

struct message {
  uint16_t version = 1;
  msg_type type = msg_type::heartbeat;
  node_id from = no_node;
  node_id to = no_node;
  term_t term{0};

  // append
  offset_t prev_last = no_offset;
  term_t prev_term{0};
  std::vector<entry> entries;
  offset_t commit = no_offset;
  /// The leader's log starts at prev_last + 1: a follower that lacks prev truncates its
  /// whole log and restarts there, taking `producers` as the producer state at that point.
  bool reset = false;
  producer_snapshot producers;

  // append_response and the vote responses
  bool reject = false;
  offset_t match = no_offset;         ///< persisted and matching up to here (success)
  offset_t rejected_prev = no_offset; ///< the prev_last that did not match (reject)
  offset_t hint = no_offset;          ///< the follower's guess of a matching prev (reject)

  // pre_vote and vote
  offset_t last_offset = no_offset;
  term_t last_term{0};
  bool transfer = false; ///< campaign of a leadership transfer: voters ignore the lease

  friend bool operator==(const message& a, const message& b);
  friend bool operator!=(const message& a, const message& b) { return !(a == b); }
};

/// One line describing a message (for traces and test failures).
std::string to_string(const message& m);

} // namespace pinpipe::raft
