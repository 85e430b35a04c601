// An event_sender that sends over ZeroMQ straight to a running node's broker
// (`pinpipe emulate --transport direct`): the out-of-process twin of log_sender.
//
// Each value becomes one record of a produce_request (messages/log_api.hpp) with acks=all,
// so send() returns only once the node has fsynced the records; position = the offset as a
// decimal string. Stream records carry their partition key (emulator/sender.hpp) as the
// record key. The partition is the Kinesis MD5 choice over the destination's partition
// count, as log_sender does, in both modes: for streams that is the Kinesis shard
// `kinesis_shard(stream_partition_key(value), shards)`. The count comes from one
// describe_topic request per destination, cached (and dropped after a failed send, in case
// the topic changed).
//
// Exactly-once on retry: requests are idempotent (a random producer id per sender and a
// sequence per (topic, partition)). A send that failed keeps its sequence; when the
// emulator retries the same values, the same sequence goes out again and the broker answers
// "duplicate" with the original offsets if the first attempt was stored after all. A
// different batch after a failure gets a fresh producer id instead (never a wrong match).
//
// Threading: one broker_sender per thread (it owns its transport::client).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/emulator/sender.hpp"
#include "transport/client.hpp"

namespace pinpipe::emulator {

class broker_sender : public event_sender {
public:
  struct options {
    int timeout_ms = 10000; ///< per request (describe, produce)
    int8_t acks = -1;       ///< -1 all (fsynced), 1 leader, 0 none
  };

  /// Takes over a connected client (transport::client::connect).
  broker_sender(std::unique_ptr<transport::client> c, options opt);
  ~broker_sender() override;

  result<std::vector<sent_record>>
  send(const std::string& destination, mode m,
       const std::vector<std::string>& json_values) override;

  /// Partition count of a destination (cached after the first describe_topic).
  result<int32_t> partitions_of(const std::string& destination);
  int64_t producer_id() const { return producer_id_; }
  /// Changes the per-request timeout (tests use 0 to make a stored request look failed).
  void set_timeout_ms(int timeout_ms) { opt_.timeout_ms = timeout_ms; }

private:
  /// A produce that failed: its values are resent with the same sequence on retry.
  struct failed_batch {
    int32_t base_sequence = 0;
    std::vector<std::string> values;
  };
  using partition_key = std::pair<std::string, int32_t>;

  result<std::vector<sent_record>> produce(const std::string& destination,
                                                     mode m, int32_t partition,
                                                     const std::vector<std::string>& values);
  void new_producer_id();

  std::unique_ptr<transport::client> client_;
  options opt_;
  int64_t producer_id_ = 0;
  std::map<std::string, int32_t> partitions_;      ///< destination -> partition count
  std::map<partition_key, int32_t> next_sequence_; ///< next sequence per partition
  std::map<partition_key, failed_batch> failed_;   ///< the last failed batch per partition
};

} // namespace pinpipe::emulator
