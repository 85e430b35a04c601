#include "storage/producer_state.hpp"

namespace pinpipe::storage {

producer_state::check_result producer_state::check(int64_t producer_id, int32_t base_seq,
                                                   int32_t count) const {
  check_result r;
  auto it = producers_.find(producer_id);
  if (it == producers_.end() || it->second.empty()) return r; // new producer: accept
  const auto& batches = it->second;
  const int32_t last_seq = base_seq + count - 1;
  for (const auto& b : batches) {
    if (b.first_seq == base_seq && b.last_seq == last_seq) {
      r.v = verdict::duplicate;
      r.original = b;
      return r;
    }
  }
  const int32_t expected = batches.back().last_seq + 1;
  if (base_seq != expected) {
    r.v = verdict::out_of_order;
    r.expected_seq = expected;
  }
  return r;
}

void producer_state::record(int64_t producer_id, const producer_batch& b) {
  auto& batches = producers_[producer_id];
  batches.push_back(b);
  while (batches.size() > batches_kept)
    batches.pop_front();
}

} // namespace pinpipe::storage
