// The replica's view of its log: the batches from log_start on, in offset order, with no
// gaps. Pure bookkeeping; the host's storage holds the real batches (docs/raft.md).
//
// Invariants (asserted on every change): entries are contiguous
// (entries[i+1].base == entries[i].last + 1), the first starts at log_start, terms never
// decrease along the log, and base <= last for every entry.
//
// Threading: not thread-safe; owned by one raft::node.
#pragma once

#include <optional>
#include <vector>

#include "raft/types.hpp"

namespace pinpipe::raft {

class raft_log {
public:
  raft_log() = default;
  raft_log(offset_t log_start, term_t prefix_term, std::vector<entry> entries);

  offset_t log_start() const { return log_start_; }
  term_t prefix_term() const { return prefix_term_; }
  /// Last offset; log_start - 1 when empty.
  offset_t last() const { return entries_.empty() ? offset_t{log_start_.value - 1} : entries_.back().last; }
  term_t last_term() const { return entries_.empty() ? prefix_term_ : entries_.back().term; }
  const std::vector<entry>& entries() const { return entries_; }

  /// Term of the entry ending at `o` (prefix_term for log_start - 1); nullopt when no
  /// entry of this log ends at `o`.
  std::optional<term_t> term_at(offset_t o) const;
  /// The entry containing offset `o`, or nullptr.
  const entry* containing(offset_t o) const;
  /// Largest entry boundary (last offset of an entry, or log_start - 1) <= o.
  /// Returns log_start - 1 when o is below it.
  offset_t floor_boundary(offset_t o) const;
  /// Up to `max` entries starting with the one whose base is `from` (empty when none).
  std::vector<entry> slice(offset_t from, size_t max) const;

  /// Appends after the last entry; `e.base` must be last() + 1.
  void append(entry e);
  /// Drops every entry with base >= o; o must be an entry's base or last() + 1.
  void truncate_from(offset_t o);
  /// Drops every entry; the log now starts at `log_start` after a batch of `prefix_term`.
  void reset(offset_t log_start, term_t prefix_term);
  /// Drops the entries before `new_start`, an entry's base or last() + 1.
  void compact(offset_t new_start);

private:
  size_t index_containing(offset_t o) const; ///< entries_.size() when none

  offset_t log_start_{0};
  term_t prefix_term_{0};
  std::vector<entry> entries_;
};

} // namespace pinpipe::raft
