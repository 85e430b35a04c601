// Where emulator events go: the event_sender interface and the naming rules of PIPELINE §2.
// Batch mode sends to Kafka-style topics `<uid>.pin|geo|user`; stream mode to Kinesis-style
// streams `streaming-<uid>-pin|geo|user`. Implementations: log_sender (straight into a
// logclient::log_client) and http_sender (over HTTP, byte-compatible with the course scripts).
//
// Stream records carry a partition key (Kinesis PartitionKey): the record's row key as a
// decimal string (the `index` / `ind` field of the value), or "partition-1" (the course
// scripts' constant) for a value without one. The key is hashed with MD5 onto the
// stream's shards (kinesis_hash.hpp), so the rows of one key always share a shard.
//
// Threading: a sender is used by one thread at a time (the emulator's).
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::emulator {

enum class mode { batch, stream };

/// "batch" / "stream".
const char* to_string(mode m);

/// The three source tables, in the order an event sends them.
enum class table { pin, geo, user };
const char* to_string(table t);

/// `<uid>.pin` (batch) or `streaming-<uid>-pin` (stream).
std::string destination_name(const std::string& uid, mode m, table t);

/// The Kinesis partition key of a stream record (see above).
std::string stream_partition_key(const std::string& json_value);

/// Where one sent record landed.
struct sent_record {
  partition_id partition{0};
  std::string position; ///< the offset (decimal) or the Kinesis sequence number
  friend bool operator==(const sent_record& a, const sent_record& b) {
    return a.partition == b.partition && a.position == b.position;
  }
};

class event_sender {
public:
  virtual ~event_sender() = default;
  /// Sends `json_values` (JSON object texts) to a topic (batch) or stream (stream) and
  /// returns one sent_record per value, in order, once they are acknowledged. On error
  /// nothing is reported as sent (some values may still have been stored: at-least-once).
  virtual result<std::vector<sent_record>> send(const std::string& destination, mode m,
                                                const std::vector<std::string>& json_values) = 0;
};

} // namespace pinpipe::emulator
