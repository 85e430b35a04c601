// Long-poll support shared by both log implementations: callbacks waiting for a
// partition's high watermark to pass an offset. `notify` is called after every append
// (cheap when nobody watches); callbacks always run outside the registry's lock and
// outside any partition lock, exactly once, unless cancelled first.
//
// Threading: all methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/types.hpp"

namespace pinpipe::storage {

class watch_registry {
public:
  /// Registers `cb`; the caller must then call `notify` with the current high watermark
  /// (so that a watch that is already satisfied fires at once, without a race).
  uint64_t add(const std::string& topic, partition_id p, offset_t after, std::function<void()> cb);
  /// Removes a watch; false when it already fired or never existed.
  bool cancel(uint64_t id);
  /// Fires every watch on (topic, p) whose `after` is below `high_watermark`.
  void notify(const std::string& topic, partition_id p, offset_t high_watermark);
  /// Fires every watch on the topic (it was deleted; the watchers will see unknown_topic).
  void notify_all(const std::string& topic);

private:
  struct entry {
    std::string topic;
    partition_id partition;
    offset_t after;
    std::function<void()> cb;
  };
  std::mutex mtx_;
  std::atomic<size_t> count_{0};
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, entry> entries_;
};

} // namespace pinpipe::storage
