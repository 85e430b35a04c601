#include "storage/watch_registry.hpp"

#include <vector>

namespace pinpipe::storage {

uint64_t watch_registry::add(const std::string& topic, partition_id p, offset_t after,
                             std::function<void()> cb) {
  std::lock_guard<std::mutex> guard{mtx_};
  const uint64_t id = next_id_++;
  entries_.emplace(id, entry{topic, p, after, std::move(cb)});
  count_.store(entries_.size(), std::memory_order_release);
  return id;
}

bool watch_registry::cancel(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  const bool removed = entries_.erase(id) > 0;
  count_.store(entries_.size(), std::memory_order_release);
  return removed;
}

void watch_registry::notify(const std::string& topic, partition_id p, offset_t high_watermark) {
  if (count_.load(std::memory_order_acquire) == 0) return;
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto it = entries_.begin(); it != entries_.end();) {
      const auto& e = it->second;
      if (e.partition == p && e.after < high_watermark && e.topic == topic) {
        ready.push_back(std::move(it->second.cb));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    count_.store(entries_.size(), std::memory_order_release);
  }
  for (auto& cb : ready)
    cb();
}

void watch_registry::notify_all(const std::string& topic) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.topic == topic) {
        ready.push_back(std::move(it->second.cb));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    count_.store(entries_.size(), std::memory_order_release);
  }
  for (auto& cb : ready)
    cb();
}

} // namespace pinpipe::storage
