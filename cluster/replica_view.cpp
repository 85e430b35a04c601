#include "cluster/replica_view.hpp"

#include <algorithm>

#include "storage/format.hpp"

namespace pinpipe::cluster {

namespace fmt = storage::format;

replica_view::replica_view(std::string topic, int32_t partition)
    : topic_(std::move(topic)), partition_(partition) {}

void replica_view::load(const raft::durable_state& d) {
  std::lock_guard<std::mutex> lock(mu_);
  batches_.clear();
  bytes_ = 0;
  log_start_ = d.log_start;
  for (const auto& e : d.entries) {
    batches_.push_back({e.base, e.last, e.kind == raft::entry_kind::data,
                        std::make_shared<const std::string>(e.payload)});
    bytes_ += static_cast<int64_t>(e.payload.size());
  }
  commit_ = offset_t{log_start_.value - 1};
  recompute_hw_locked();
  loaded_data_end_ = log_start_;
  for (auto it = batches_.rbegin(); it != batches_.rend(); ++it)
    if (it->data) {
      loaded_data_end_ = offset_t{it->last.value + 1};
      break;
    }
}

void replica_view::apply(raft::persist_request& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.reset) {
    batches_.clear();
    bytes_ = 0;
    log_start_ = r.reset_log_start;
    commit_ = std::max(commit_, offset_t{log_start_.value - 1});
  }
  if (r.truncate_from != raft::no_offset)
    while (!batches_.empty() && batches_.back().base >= r.truncate_from) {
      bytes_ -= static_cast<int64_t>(batches_.back().payload->size());
      batches_.pop_back();
    }
  for (auto& e : r.entries) {
    bytes_ += static_cast<int64_t>(e.payload.size());
    batches_.push_back({e.base, e.last, e.kind == raft::entry_kind::data,
                        std::make_shared<const std::string>(std::move(e.payload))});
  }
  recompute_hw_locked();
}

void replica_view::recompute_hw_locked() {
  // The end of the last committed data batch (no-op tails are not counted).
  offset_t hw = log_start_;
  auto it = std::upper_bound(batches_.begin(), batches_.end(), commit_,
                             [](offset_t c, const batch& b) { return c < b.last; });
  while (it != batches_.begin()) {
    --it;
    if (it->data) {
      hw = offset_t{it->last.value + 1};
      break;
    }
  }
  hw_ = std::max(hw, log_start_);
}

std::vector<std::function<void()>> replica_view::due_watches_locked() {
  std::vector<std::function<void()>> due;
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (closed_ || hw_ > it->second.after) {
      due.push_back(std::move(it->second.cb));
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

void replica_view::set_commit(offset_t commit) {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (commit <= commit_) return;
    commit_ = commit;
    recompute_hw_locked();
    due = due_watches_locked();
  }
  for (auto& cb : due) cb();
}

void replica_view::set_role(int32_t leader, int64_t term, std::vector<int32_t> in_sync) {
  std::lock_guard<std::mutex> lock(mu_);
  leader_ = leader;
  term_ = term;
  in_sync_ = std::move(in_sync);
}

void replica_view::close() {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    due = due_watches_locked();
  }
  for (auto& cb : due) cb();
}

result<std::vector<replica_view::batch>> replica_view::pick(offset_t from, int32_t max_bytes,
                                                           storage::fetch_result& meta) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_)
    return status{errc::unknown_topic, "topic '" + topic_ + "' was deleted"};
  meta.high_watermark = hw_;
  meta.log_start = log_start_;
  if (from < log_start_ || from > hw_)
    return status{errc::offset_out_of_range,
                  "offset " + std::to_string(from.value) + " of " + topic_ + "/" +
                      std::to_string(partition_) + " is outside [" +
                      std::to_string(log_start_.value) + ", " + std::to_string(hw_.value) +
                      "] (log start, high watermark); fetch from the log start or the end"};
  std::vector<batch> out;
  auto it = std::lower_bound(batches_.begin(), batches_.end(), from,
                             [](const batch& b, offset_t o) { return b.last < o; });
  int64_t taken = 0;
  for (; it != batches_.end() && it->base < hw_; ++it) {
    if (!it->data) continue;
    if (!out.empty() && taken + static_cast<int64_t>(it->payload->size()) > max_bytes) break;
    taken += static_cast<int64_t>(it->payload->size());
    out.push_back(*it);
    if (taken >= max_bytes) break;
  }
  return out;
}

result<storage::fetch_result> replica_view::fetch(offset_t from, int32_t max_bytes) const {
  storage::fetch_result r;
  auto picked = pick(from, max_bytes, r);
  if (!picked) return picked.error();
  for (const auto& b : *picked) {
    const size_t first = r.records.size();
    const int64_t rel = std::max<int64_t>(0, from.value - b.base.value);
    if (auto st = fmt::decode_records(b.payload->data(), b.payload->size(), rel, r.records); !st)
      return st;
    for (size_t i = first; i < r.records.size(); ++i)
      r.records[i].offset = offset_t{r.records[i].offset.value + b.base.value};
  }
  return r;
}

result<storage::fetch_result> replica_view::fetch_each(offset_t from, int32_t max_bytes,
                                                       const storage::record_visitor& fn) const {
  storage::fetch_result r;
  auto picked = pick(from, max_bytes, r);
  if (!picked) return picked.error();
  bool go_on = true;
  for (const auto& b : *picked) {
    if (!go_on) break;
    const int64_t rel = std::max<int64_t>(0, from.value - b.base.value);
    const int64_t base = b.base.value;
    auto st = fmt::visit_records(b.payload->data(), b.payload->size(), rel,
                                 [&](const storage::record_view& v) {
                                   storage::record_view shifted = v;
                                   shifted.offset = offset_t{v.offset.value + base};
                                   go_on = fn(shifted);
                                   return go_on;
                                 });
    if (!st) return st;
  }
  return r;
}

result<offset_t> replica_view::list_offset(storage::offset_spec spec, int64_t ts_ms) const {
  std::vector<batch> candidates;
  offset_t hw;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return status{errc::unknown_topic, "topic '" + topic_ + "' was deleted"};
    if (spec == storage::offset_spec::earliest) return log_start_;
    if (spec == storage::offset_spec::latest) return hw_;
    hw = hw_;
    for (const auto& b : batches_) {
      if (b.base >= hw_) break;
      if (!b.data) continue;
      fmt::batch_header h;
      if (fmt::decode_header(b.payload->data(), b.payload->size(), h) != fmt::header_state::ok)
        continue;
      if (h.max_timestamp >= ts_ms) {
        candidates.push_back(b);
        break;
      }
    }
  }
  for (const auto& b : candidates) {
    offset_t found = hw;
    bool hit = false;
    auto st = fmt::visit_records(b.payload->data(), b.payload->size(), 0,
                                 [&](const storage::record_view& v) {
                                   if (v.timestamp_ms >= ts_ms) {
                                     found = offset_t{v.offset.value + b.base.value};
                                     hit = true;
                                     return false;
                                   }
                                   return true;
                                 });
    if (!st) return st;
    if (hit) return found;
  }
  return hw;
}

uint64_t replica_view::watch(offset_t after, std::function<void()> cb) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_watch_++;
    if (!closed_ && !(hw_ > after)) {
      watches_[id] = {after, std::move(cb)};
      return id;
    }
  }
  cb();
  return id;
}

void replica_view::cancel_watch(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  watches_.erase(id);
}

offset_t replica_view::high_watermark() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hw_;
}
offset_t replica_view::loaded_data_end() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loaded_data_end_;
}
offset_t replica_view::log_start() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_start_;
}
int64_t replica_view::size_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
int32_t replica_view::leader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_;
}
int64_t replica_view::term() const {
  std::lock_guard<std::mutex> lock(mu_);
  return term_;
}
std::vector<int32_t> replica_view::in_sync() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_sync_;
}

} // namespace pinpipe::cluster
