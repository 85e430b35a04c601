// Internal to gateway/: the Kafka REST Proxy v2 topic routes (list, describe, produce)
// plus the v3 topic admin routes used to create and delete plain topics. The consumer
// routes are in rest_consumers.hpp. Shapes and error codes: docs/http-api.md.
//
// Produce (rest_produce.cpp): the body is read into raw records (the DOM-free parser, or
// nlohmann for anything unusual, which also checks the shape), then each record is
// validated once (decoding, partition, size); a bad record rejects the request and nothing
// is appended. Records are grouped by partition (explicit `partition`; else Kafka's murmur2
// of the key; else one round-robin partition per request), appended with acks=all, and
// answered with one offset per record in request order. With an Idempotency-Key header the
// whole produce runs through idempotency.hpp.
//
// Threading: handle() is called concurrently; the state is an atomic counter and the
// (internally locked) idempotency cache.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/gateway.hpp"
#include "gateway/http_common.hpp"
#include "gateway/idempotency.hpp"
#include "gateway/produce_parser.hpp"

namespace pinpipe::gateway {

/// Kafka's default partitioner hash (murmur2, seed 0x9747b28c) of the key bytes.
int32_t kafka_murmur2(std::string_view data);
/// partition = (murmur2(key) & 0x7fffffff) % partitions, as Kafka's default partitioner.
int32_t kafka_partition_for_key(std::string_view key, int32_t partitions);

/// Maps a log error to the REST Proxy envelope (unknown topic -> 40401, disk full -> 50701,
/// i.e. HTTP 507 with a message starting "disk_full: ", ...).
reply rest_error_from(const status& st);

/// A partition number from a path segment (digits only, < 10^9), else nullopt.
std::optional<int32_t> parse_partition(std::string_view s);

/// The topic if it exists and is not internal ("__*"), else the error reply (40401).
result<storage::topic_info> visible_topic(const logclient::log_client& log, const std::string& name);

class rest_proxy {
public:
  rest_proxy(logclient::log_client& log, const gateway_options& opt, counters& c,
             idempotency_cache& idem)
      : log_(log), opt_(opt), counters_(c), idem_(idem) {}
  /// Routes whose first segment is "topics" or "v3".
  reply handle(const request_view& rv);

private:
  reply list_topics();
  reply describe_topic(const std::string& name);
  reply list_partitions(const std::string& name);
  reply describe_partition(const std::string& name, std::string_view partition, bool offsets);
  reply handle_v3(const request_view& rv);

  // ---- produce (rest_produce.cpp) ----
  enum class embedded { json, binary };
  /// Where one request's records go.
  struct produce_target {
    std::string topic;
    int32_t partitions = 0;
    std::optional<int32_t> forced; ///< the /partitions/{p} route
    int32_t sticky = 0;            ///< the round-robin partition of unkeyed records
  };
  /// One validated record and where it goes.
  struct pending_record {
    storage::record rec;
    int32_t partition = -1;
    size_t index_in_batch = 0;
  };
  reply produce(const request_view& rv, const std::string& topic,
                std::optional<int32_t> forced_partition);
  reply produce_once(const request_view& rv, embedded fmt, const std::string& topic,
                     std::optional<int32_t> forced_partition);
  /// The records of the body, shape-checked, or the error reply.
  std::variant<std::vector<fast_produce_record>, reply> read_records(std::string_view body) const;
  /// One record decoded and checked (the only validation a record gets), or the error reply.
  std::variant<pending_record, reply> validate_record(size_t i, fast_produce_record& raw,
                                                      embedded fmt,
                                                      const produce_target& to) const;
  /// Appends the records (acks=all, one batch per partition) and builds the offsets reply.
  reply append_and_reply(const std::string& topic, int32_t partitions,
                         std::vector<pending_record> pending);

  logclient::log_client& log_;
  const gateway_options& opt_;
  counters& counters_;
  idempotency_cache& idem_;
  std::atomic<uint32_t> round_robin_{0};
};

} // namespace pinpipe::gateway
