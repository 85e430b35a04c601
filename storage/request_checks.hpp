// Validation and error messages shared by the file log and the memory log, so both
// reject the same requests with the same words: topic names and configs, record sizes,
// unknown topics/partitions. `validate_topic_name` itself is declared in log.hpp.
//
// Threading: pure functions.
#pragma once

#include <string>

#include "common/status.hpp"
#include "storage/log.hpp"

namespace pinpipe::storage {

/// Name of the internal topic holding consumer group offsets.
inline const std::string consumer_offsets_topic = "__consumer_offsets";

/// Checks the settings of a topic being created (partition count, limits).
status validate_topic_config(const std::string& name, const topic_config& cfg);

/// A fresh topic_config::incarnation: microseconds since the epoch, strictly increasing
/// within the process (thread-safe).
int64_t new_topic_incarnation();

/// key + value + header names and values: what max_record_bytes limits.
size_t record_payload_bytes(const record& r);

/// Checks a produce request's shape: non-empty, record sizes, sequence fields.
status validate_produce(const produce_request& req, int32_t max_record_bytes);

status unknown_topic_error(const std::string& topic);
status unknown_partition_error(const std::string& topic, partition_id p, int32_t partitions);
status offset_out_of_range_error(const std::string& topic, partition_id p, offset_t from,
                                 offset_t log_start, offset_t high_watermark);

/// Fills -1 fields of a topic config from the log defaults.
topic_config resolve_topic_config(const topic_config& cfg, const log_config& defaults);

} // namespace pinpipe::storage
