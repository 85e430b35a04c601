// Idempotent-producer bookkeeping for one partition: per producer id, the sequence
// ranges and offsets of its last few batches. Used by both log implementations to turn
// a retried batch into a "duplicate" answer with the original offsets and to reject a
// sequence gap. The file log rebuilds it from batch headers during recovery.
//
// Threading: not synchronised; the owning partition's lock protects it.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::storage {

/// One remembered batch of an idempotent producer.
struct producer_batch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  offset_t base_offset{0};
  offset_t last_offset{0};
  int64_t append_time_ms = 0;
};

class producer_state {
public:
  static constexpr size_t batches_kept = 5;

  enum class verdict { append, duplicate, out_of_order };
  struct check_result {
    verdict v = verdict::append;
    producer_batch original;  ///< for duplicate: the first append of this batch
    int32_t expected_seq = 0; ///< for out_of_order: the sequence that would be accepted
  };

  /// Decides what to do with a batch of `count` records starting at `base_seq`.
  /// A producer never seen on this partition may start at any sequence.
  check_result check(int64_t producer_id, int32_t base_seq, int32_t count) const;

  /// Records an appended batch (after the write succeeded).
  void record(int64_t producer_id, const producer_batch& b);

  /// Forgets everything (partition deleted or truncated).
  void clear() { producers_.clear(); }
  size_t producer_count() const { return producers_.size(); }

private:
  std::unordered_map<int64_t, std::deque<producer_batch>> producers_;
};

} // namespace pinpipe::storage
