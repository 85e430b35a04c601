// Idempotent-producer state, derived only from the replicated log: every replica applies
// the batches it stores, so a new leader already knows each producer's last sequences and
// recognises a client's retry as a duplicate. After a truncation the table is rebuilt from
// the state at log_start (`base`, which travels with a snapshot-less reset) plus the
// batches that remain.
//
// Rules: a producer's next batch must start at last_seq + 1 of its previous batch; a batch
// whose first sequence equals one of the last producer_history batches is a duplicate
// (answered with that batch's offsets); anything else is out of order. A producer with no
// state may start at any sequence.
//
// Threading: not thread-safe; owned by one raft::node.
#pragma once

#include <map>
#include <vector>

#include "raft/types.hpp"

namespace pinpipe::raft {

class producer_table {
public:
  enum class verdict { fresh, duplicate, out_of_order };
  struct check_result {
    verdict v = verdict::fresh;
    producer_batch original; ///< for duplicate
    int32_t expected = -1;   ///< for out_of_order: the sequence expected next
  };

  /// What a batch of `count` records starting at `seq` from `producer` would be.
  check_result check(int64_t producer, int32_t seq, int32_t count) const;
  /// Records an idempotent data entry (others are ignored).
  void apply(const entry& e);
  /// Drops everything and starts again from `snap`.
  void restore(const producer_snapshot& snap);
  producer_snapshot snapshot() const;

private:
  std::map<int64_t, std::vector<producer_batch>> producers_;
};

} // namespace pinpipe::raft
