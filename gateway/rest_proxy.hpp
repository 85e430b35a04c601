// Internal to gateway/: the Kafka REST Proxy v2 topic routes (list, describe, produce)
// plus the v3 topic admin routes used to create and delete plain topics. The consumer
// routes are in rest_consumers.hpp. Shapes and error codes: docs/http-api.md.
//
// Produce: records are validated as a whole first (a bad record rejects the request and
// nothing is appended), grouped by partition (explicit `partition`; else Kafka's murmur2
// of the key; else one round-robin partition per request), appended with acks=all, and
// answered with one offset per record in request order.
//
// Threading: handle() is called concurrently; the only state is an atomic counter.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway.hpp"
#include "gateway/http_common.hpp"

namespace pinpipe::gateway {

/// Kafka's default partitioner hash (murmur2, seed 0x9747b28c) of the key bytes.
int32_t kafka_murmur2(std::string_view data);
/// partition = (murmur2(key) & 0x7fffffff) % partitions, as Kafka's default partitioner.
int32_t kafka_partition_for_key(std::string_view key, int32_t partitions);

/// Maps a log error to the REST Proxy envelope (unknown topic -> 40401, ...).
reply rest_error_from(const status& st);

/// The topic if it exists and is not internal ("__*"), else the error reply (40401).
result<storage::topic_info> visible_topic(const storage::log_store& log, const std::string& name);

class rest_proxy {
public:
  rest_proxy(storage::log_store& log, const gateway_options& opt, counters& c)
      : log_(log), opt_(opt), counters_(c) {}
  /// Routes whose first segment is "topics" or "v3".
  reply handle(const request_view& rv);

private:
  reply list_topics();
  reply describe_topic(const std::string& name);
  reply list_partitions(const std::string& name);
  reply describe_partition(const std::string& name, std::string_view partition, bool offsets);
  reply produce(const request_view& rv, const std::string& topic,
                std::optional<int32_t> forced_partition);
  reply handle_v3(const request_view& rv);
  /// One validated record and where it goes.
  struct pending_record {
    storage::record rec;
    int32_t partition = -1;
    size_t index_in_batch = 0;
  };
  /// Appends the records (acks=all, one batch per partition) and builds the offsets reply.
  reply append_and_reply(const std::string& topic, int32_t partitions,
                         std::vector<pending_record> pending);

  storage::log_store& log_;
  const gateway_options& opt_;
  counters& counters_;
  std::atomic<uint32_t> round_robin_{0};
};

} // namespace pinpipe::gateway
