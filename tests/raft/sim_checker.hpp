// The simulator's invariant checker (modelled on TigerBeetle's state_checker.zig). It
// follows every replica's log through the persist requests the core emits (a "shadow"
// chain of prefix hashes: equal hash at an offset = equal logs up to there), and checks
// after every simulator step:
//   - election safety: at most one leader per term;
//   - log matching: two logs with an entry of the same (last offset, term) are identical
//     up to it;
//   - committed entries never change and are never lost (a commit index never points at
//     other content than the first commit there);
//   - a newly committed entry is on the disks of a majority (persisted before acked);
//   - leader completeness: every leader holds every committed entry;
//   - an acks=all acknowledgement names a committed batch with the client's data.
// The first violation is kept; later ones are ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "raft/node.hpp"

namespace pinpipe::raft::sim {

uint64_t entry_hash(const entry& e);

class checker {
public:
  checker(int nodes, bool check_durability);

  /// Node i (1-based) emitted this persist request (its in-memory log changed).
  void on_persist_request(int i, const persist_request& p);
  /// Node i restarted from `disk` (its in-memory log is now exactly that).
  void on_restart(int i, const durable_state& disk);
  /// Node i dropped its batches before new_start (retention).
  void on_compact(int i, offset_t new_start);
  /// After a step that touched node i: role, term, commit and completeness checks.
  /// `disks` are the durable states of all nodes (index 0 unused).
  void after_step(int i, const node& n, const std::vector<const durable_state*>& disks);
  /// An acks=all write was acknowledged at [base, last] for this payload.
  void on_ack_all(offset_t base, offset_t last, const std::string& payload);
  /// The node's in-memory log equals its shadow (called now and then, and at the end).
  void compare_with_core(int i, const node& n);

  bool ok() const { return violation_.empty(); }
  const std::string& violation() const { return violation_; }
  /// Every committed entry, by last offset.
  const std::map<int64_t, entry>& committed() const { return committed_entries_; }
  int64_t leaders_elected() const { return static_cast<int64_t>(leaders_.size()); }

private:
  struct shadow_entry {
    int64_t base, last, term;
    uint64_t hash; ///< prefix hash up to and including this entry
  };
  struct shadow {
    int64_t log_start = 0;
    uint64_t start_hash = 0; ///< prefix hash at log_start - 1
    std::vector<shadow_entry> entries;
  };
  void fail(std::string what);
  void append(int i, const entry& e);
  /// Prefix hash of node i's log at offset o (a boundary), or false.
  bool hash_at(int i, int64_t o, uint64_t& h) const;
  void note_global(int64_t last, int64_t term, uint64_t h, int i);

  std::vector<shadow> shadows_;
  std::unordered_map<uint64_t, uint64_t> seen_; ///< key(last, term) -> prefix hash
  std::map<int64_t, int> leaders_;              ///< term -> node
  // committed: offset -> prefix hash, and the entries themselves
  std::map<int64_t, uint64_t> committed_hash_;
  std::map<int64_t, entry> committed_entries_;
  int64_t committed_max_ = -1;
  std::map<int64_t, int64_t> committed_by_term_; ///< term of the committing leader -> max offset
  uint64_t committed_max_hash_ = 0;
  std::string violation_;
  bool check_durability_;
};

} // namespace pinpipe::raft::sim
