#include "raft/producers.hpp"

namespace pinpipe::raft {

producer_table::check_result producer_table::check(int64_t producer, int32_t seq,
                                                   int32_t count) const {
  check_result r;
  auto it = producers_.find(producer);
  if (it == producers_.end() || it->second.empty()) return r;
  const std::vector<producer_batch>& recent = it->second;
  for (const producer_batch& b : recent) {
    if (b.first_seq == seq && b.last_seq - b.first_seq + 1 == count) {
      r.v = verdict::duplicate;
      r.original = b;
      return r;
    }
  }
  int32_t expected = recent.back().last_seq + 1;
  if (seq == expected) return r;
  r.v = verdict::out_of_order;
  r.expected = expected;
  return r;
}

void producer_table::apply(const entry& e) {
  if (e.kind != entry_kind::data || e.producer_id < 0 || e.base_sequence < 0) return;
  std::vector<producer_batch>& recent = producers_[e.producer_id];
  recent.push_back(producer_batch{e.base_sequence, e.base_sequence + e.record_count() - 1,
                                  e.base, e.last});
  if (recent.size() > producer_history) recent.erase(recent.begin());
}

void producer_table::restore(const producer_snapshot& snap) {
  producers_.clear();
  for (const producer_state& p : snap) producers_[p.producer_id] = p.recent;
}

producer_snapshot producer_table::snapshot() const {
  producer_snapshot out;
  out.reserve(producers_.size());
  for (const auto& [id, recent] : producers_) out.push_back(producer_state{id, recent});
  return out;
}

} // namespace pinpipe::raft
