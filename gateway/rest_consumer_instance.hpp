// Internal to the REST consumer files (rest_consumers.cpp, rest_consumer_records.cpp): one
// consumer instance's state. Guarded by instance::mu (lru_pos by the registry's mutex).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "gateway/rest_consumers.hpp"

namespace pinpipe::gateway {

/// A topic partition.
struct tp {
  std::string topic;
  int32_t partition = 0;
  friend bool operator<(const tp& a, const tp& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
};

struct consumer_registry::instance {
  std::mutex mu;
  std::string group;
  std::string name;
  bool binary = false;
  bool reset_earliest = false;
  bool auto_commit = false;
  std::vector<std::string> topics;
  std::map<tp, int64_t> position; ///< next offset to fetch, per subscribed partition
  std::set<tp> fetched;           ///< partitions read since the last commit-all
  size_t rotate = 0;              ///< first partition of the next fetch, for fairness
  std::atomic<int64_t> last_used_ms{0};
  std::list<std::shared_ptr<instance>>::iterator lru_pos; ///< under the registry's mutex
};

} // namespace pinpipe::gateway
