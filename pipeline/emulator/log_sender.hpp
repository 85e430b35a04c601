// event_sender that appends straight into the partitioned log (the "direct into the actor
// graph" path of PIPELINE §2, minus the actors: the caller hands it a log_client, local or remote).
//
// Each value becomes one record whose value is the JSON text unchanged. Batch topics get
// records without a key (like the REST Proxy with value-only records); stream records get
// their partition key (sender.hpp) as the record key. The partition is the Kinesis MD5
// choice over the topic's partition count (kinesis_hash.hpp) in both modes, so one key
// always maps to one partition. Records are produced with acks=all by default and send()
// returns only after the log acknowledged them; position = the offset as a decimal string.
//
// Threading: send() blocks the calling thread until the log's callback fires (or the
// timeout passes). Use one log_sender per thread; the client is thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>

#include "pipeline/emulator/sender.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::emulator {

class log_sender : public event_sender {
public:
  struct options {
    storage::acks required_acks = storage::acks::all;
    std::chrono::milliseconds timeout{30000}; ///< max wait for the log's acknowledgement
  };

  explicit log_sender(logclient::log_client& log) : log_sender(log, options{}) {}
  log_sender(logclient::log_client& log, options opt) : log_(log), opt_(opt) {}

  result<std::vector<sent_record>> send(const std::string& destination, mode m,
                                        const std::vector<std::string>& json_values) override;

private:
  result<int32_t> partitions_of(const std::string& destination);

  logclient::log_client& log_;
  options opt_;
  std::mutex mutex_;
  std::map<std::string, int32_t> partitions_; ///< cached partition counts
};

} // namespace pinpipe::emulator
