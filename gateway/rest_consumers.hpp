// Internal to gateway/: the Kafka REST Proxy v2 consumer API (/consumers/...). A consumer
// instance lives in memory here (name, embedded format, auto.offset.reset, subscription,
// per-partition positions); committed offsets live in the log's consumer groups
// (log_store::commit_offsets), so they survive the gateway.
//
// Positions are resolved when subscribing: the group's committed offset, else the log
// start ("earliest") or the high watermark ("latest", the default, as Kafka). Every
// instance reads all partitions of its topics (no rebalancing between instances of one
// group). Instances idle for 5 minutes are dropped, as the REST Proxy does.
//
// Threading: the registry map is under one mutex; each instance has its own mutex, so
// concurrent calls on one instance run one at a time (a long-poll holds it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "gateway/gateway.hpp"
#include "gateway/http_common.hpp"

namespace pinpipe::gateway {

class consumer_registry {
public:
  consumer_registry(storage::log_store& log, const gateway_options& opt) : log_(log), opt_(opt) {}
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
  void expire_idle_locked(int64_t now);

  storage::log_store& log_;
  const gateway_options& opt_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<instance>> instances_;
  uint64_t next_id_ = 1;
};

} // namespace pinpipe::gateway
