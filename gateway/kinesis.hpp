// Internal to gateway/: Kinesis on top of the log, reachable two ways that share one set
// of operations:
//   - API Gateway routes (/streams...), the shapes the course's API Gateway integration
//     produces (PIPELINE.md section 3): Data is any JSON value, stored as its JSON text;
//   - the native Kinesis JSON 1.1 API (POST / with X-Amz-Target: Kinesis_20131202.<Action>),
//     where Data is base64 bytes, so AWS SDKs work against the gateway.
// A stream is a topic with is_stream=true; shard i is partition i; a record's key is its
// partition key. Ids, hash ranges, sequence numbers and iterators: kinesis_ids.hpp.
// PutRecord/PutRecords (both ways) honour an Idempotency-Key header (idempotency.hpp), with
// the stream as scope.
//
// Files: kinesis.cpp (routes and dispatch), kinesis_streams.cpp (stream admin),
// kinesis_put.cpp (writes), kinesis_get.cpp (reads), kinesis_reply.hpp (shared shapes).
//
// Threading: every method is called concurrently; state is the creation-time map and the
// (internally locked) idempotency cache.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/codec.hpp"
#include "gateway/gateway.hpp"
#include "gateway/http_common.hpp"
#include "gateway/idempotency.hpp"

namespace pinpipe::gateway {

class kinesis_service {
public:
  kinesis_service(logclient::log_client& log, const gateway_options& opt, counters& c,
                  idempotency_cache& idem);
  /// Routes whose first segment is "streams".
  reply handle_apigw(const request_view& rv);
  /// POST / with an X-Amz-Target header.
  reply handle_native(const request_view& rv);

private:
  struct put_entry {
    std::string data;
    std::string partition_key;
    std::optional<uint128> explicit_hash;
  };
  struct put_outcome {
    status st;
    int32_t shard = 0;
    int64_t offset = -1;
  };

  result<storage::topic_info> find_stream(const std::string& name) const;
  reply not_found(const std::string& name) const;
  /// Validates and appends; outcomes in entry order, or an error reply for a bad request.
  std::variant<std::vector<put_outcome>, reply> put(const std::string& stream,
                                                    std::vector<put_entry> entries);
  /// PutRecords reply for already-decoded entries (native and API Gateway share it).
  reply put_many(const std::string& stream, std::vector<put_entry> entries);
  double created_at(const std::string& name);
  /// `produce` under the request's Idempotency-Key (if any), scoped to `stream`.
  reply idempotent(const request_view& rv, const std::string& stream,
                   const std::function<reply()>& produce);

  reply apigw_put_record(std::string_view stream, const ojson& body);
  reply apigw_put_records(std::string_view stream, const ojson& body);
  reply list_streams(const ojson& p);
  reply create_stream(const ojson& p);
  reply delete_stream(const ojson& p);
  reply describe_stream(const ojson& p, bool summary);
  reply list_shards(const ojson& p);
  reply put_record(const ojson& p);
  reply put_records(const ojson& p);
  reply get_shard_iterator(const ojson& p);
  reply get_records(const ojson& p);

  logclient::log_client& log_;
  const gateway_options& opt_;
  counters& counters_;
  idempotency_cache& idem_;
  const double start_time_s_;
  std::mutex created_mu_;
  std::map<std::string, double> created_s_;
};

} // namespace pinpipe::gateway
