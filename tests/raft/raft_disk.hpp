// Test helper: applies a raft::persist_request to a raft::durable_state the way a host's
// storage would (hard state, then reset, then truncate, then append), optionally only a
// prefix of its entries (a torn write: the torn batch fails its CRC and is cut on
// recovery, so what survives is whole batches).
#pragma once

#include <algorithm>

#include "raft/node.hpp"

namespace pinpipe::raft::testing {

/// False when the entries do not continue the stored log (a bug in the core).
inline bool apply_to_disk(durable_state& d, const persist_request& p,
                          size_t max_entries = SIZE_MAX, bool with_hard_state = true) {
  if (p.hard && with_hard_state) d.hard = *p.hard;
  if (p.reset) {
    d.entries.clear();
    d.log_start = p.reset_log_start;
    d.prefix_term = p.reset_prefix_term;
    d.producers = p.reset_producers;
  }
  if (p.truncate_from != no_offset) {
    auto it = std::find_if(d.entries.begin(), d.entries.end(),
                           [&](const entry& e) { return e.base >= p.truncate_from; });
    d.entries.erase(it, d.entries.end());
  }
  for (size_t i = 0; i < p.entries.size() && i < max_entries; ++i) {
    const entry& e = p.entries[i];
    offset_t next{d.entries.empty() ? d.log_start.value : d.entries.back().last.value + 1};
    if (e.base != next) return false; // would leave a gap: storage refuses
    d.entries.push_back(e);
  }
  return true;
}

} // namespace pinpipe::raft::testing
