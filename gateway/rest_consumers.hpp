// Internal to gateway/: the Kafka REST Proxy v2 consumer API (/consumers/...). A consumer
// instance lives in memory here (name, embedded format, auto.offset.reset, subscription,
// per-partition positions); committed offsets live in the log's consumer groups
// (log_client::commit_offsets), so they survive the gateway.
//
// Positions are resolved when subscribing: the group's committed offset, else the log
// start ("earliest") or the high watermark ("latest", the default, as Kafka). Every
// instance reads all partitions of its topics (no rebalancing between instances of one
// group). Instances idle for 5 minutes are dropped, as the REST Proxy does. At most
// max_consumer_instances live at once (one more is refused with 429, error_code 42902).
// A subscription's topic_pattern runs through topic_pattern.hpp (no backtracking).
//
// Threading: the registry is under one mutex, held only for O(1) work: a hash map finds an
// instance, and a list in least-recently-used order lets expiry look at the oldest only.
// Each instance has its own mutex, so concurrent calls on one instance run one at a time
// (a long-poll holds it).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "gateway/gateway.hpp"
#include "gateway/http_common.hpp"

namespace pinpipe::gateway {

class consumer_registry {
public:
  consumer_registry(logclient::log_client& log, const gateway_options& opt) : log_(log), opt_(opt) {}
  ~consumer_registry();
  /// Routes whose first segment is "consumers".
  reply handle(const request_view& rv);

  struct instance;

private:
  reply create(const request_view& rv, const std::string& group);
  reply subscribe(const request_view& rv, instance& in);
  reply records(const request_view& rv, instance& in);
  reply commit(const request_view& rv, instance& in);
  reply committed(const request_view& rv, instance& in);
  reply seek(const request_view& rv, instance& in, const std::string& where);
  std::shared_ptr<instance> find(const std::string& group, const std::string& name);
  void erase_locked(const std::string& group, const std::string& name);
  void expire_idle_locked(int64_t now);

  logclient::log_client& log_;
  const gateway_options& opt_;
  std::mutex mu_;
  /// key_of(group, name) -> instance
  std::unordered_map<std::string, std::shared_ptr<instance>> instances_;
  /// Least recently used first; each instance knows its place (instance::lru_pos).
  std::list<std::shared_ptr<instance>> lru_;
  uint64_t next_id_ = 1;
};

} // namespace pinpipe::gateway
