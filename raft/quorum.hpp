// Majority arithmetic as small pure functions (etcd's quorum/majority.go).
//
// Threading: pure functions.
#pragma once

#include <algorithm>
#include <vector>

#include "raft/types.hpp"

namespace pinpipe::raft {

/// The largest offset that a majority of `acked` (one value per voter) has reached.
inline offset_t quorum_index(std::vector<offset_t> acked) {
  PINPIPE_ASSERT(!acked.empty(), "a group has at least one voter");
  std::sort(acked.begin(), acked.end(), [](offset_t a, offset_t b) { return a > b; });
  return acked[acked.size() / 2];
}

enum class vote_result { pending, won, lost };

/// Outcome of an election with `granted` yes and `rejected` no votes out of `voters`.
inline vote_result tally(size_t voters, size_t granted, size_t rejected) {
  size_t q = voters / 2 + 1;
  if (granted >= q) return vote_result::won;
  if (voters - rejected >= q) return vote_result::pending;
  return vote_result::lost;
}

} // namespace pinpipe::raft
