#include "storage/request_checks.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "storage/filename.hpp"

namespace pinpipe::storage {

int64_t new_topic_incarnation() {
  static std::atomic<int64_t> last{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  int64_t prev = last.load();
  int64_t next = 0;
  do {
    next = std::max(now, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  return next;
}

status validate_topic_name(const std::string& name) {
  if (name.empty()) {
    return {errc::invalid_argument, "topic name is empty; use 1..249 characters of [A-Za-z0-9._-]"};
  }
  if (name.size() > 249) {
    return {errc::invalid_argument, "topic name '" + name.substr(0, 40) + "...' is " +
                                        std::to_string(name.size()) +
                                        " characters long; the limit is 249"};
  }
  if (filename::is_reserved(name)) {
    return {errc::invalid_argument,
            "topic name '" + name +
                "' is reserved: names starting with '.' belong to the log's own files; pick "
                "another name"};
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return {errc::invalid_argument, "topic name '" + name + "' contains '" + std::string(1, c) +
                                          "'; only [A-Za-z0-9._-] are allowed"};
    }
  }
  return status::success();
}

status validate_topic_config(const std::string& name, const topic_config& cfg) {
  if (cfg.partitions < 1 || cfg.partitions > 10000) {
    return {errc::invalid_argument, "topic '" + name + "': partitions must be 1..10000, got " +
                                        std::to_string(cfg.partitions)};
  }
  if (cfg.segment_bytes != -1 && cfg.segment_bytes < 1024) {
    return {errc::invalid_argument, "topic '" + name + "': segment_bytes must be >= 1024 or -1"};
  }
  if (cfg.segment_ms != -1 && cfg.segment_ms < 1) {
    return {errc::invalid_argument, "topic '" + name + "': segment_ms must be >= 1 or -1"};
  }
  if (cfg.retention_bytes < -1 || cfg.retention_ms < -1) {
    return {errc::invalid_argument,
            "topic '" + name + "': retention_bytes/retention_ms must be >= 0 or -1 (unlimited)"};
  }
  return status::success();
}

size_t record_payload_bytes(const record& r) {
  size_t n = r.value.size() + (r.key ? r.key->size() : 0);
  for (const auto& h : r.headers)
    n += h.first.size() + h.second.size();
  return n;
}

status validate_produce(const produce_request& req, int32_t max_record_bytes) {
  if (req.records.empty()) {
    return {errc::invalid_request,
            "produce to '" + req.topic + "' has no records; send at least one"};
  }
  if (req.records.size() > 1000000) {
    return {errc::request_too_large, "produce to '" + req.topic + "' has " +
                                         std::to_string(req.records.size()) +
                                         " records; split it into batches of at most 1000000"};
  }
  for (size_t i = 0; i < req.records.size(); ++i) {
    const auto& r = req.records[i];
    const size_t n = record_payload_bytes(r);
    if (n > static_cast<size_t>(max_record_bytes)) {
      return {errc::record_too_large,
              "record " + std::to_string(i) + " of the batch for '" + req.topic + "' is " +
                  std::to_string(n) + " bytes (key+value+headers); the limit is " +
                  std::to_string(max_record_bytes) + " (log.max_record_bytes)"};
    }
    if (r.headers.size() > 65535) {
      return {errc::invalid_request,
              "record " + std::to_string(i) + " has more than 65535 headers"};
    }
    for (const auto& h : r.headers) {
      if (h.first.size() > 65535) {
        return {errc::invalid_request,
                "record " + std::to_string(i) + " has a header name longer than 65535 bytes"};
      }
    }
    if (r.timestamp_ms < 0) {
      return {errc::invalid_request, "record " + std::to_string(i) + " has a negative timestamp " +
                                         std::to_string(r.timestamp_ms)};
    }
  }
  if (req.producer_id >= 0 && req.base_sequence < 0) {
    return {errc::invalid_request, "idempotent produce (producer id " +
                                       std::to_string(req.producer_id) +
                                       ") needs base_sequence >= 0"};
  }
  return status::success();
}

status unknown_topic_error(const std::string& topic) {
  return {errc::unknown_topic, "topic '" + topic + "' does not exist; create it with `pinpipe " +
                                   "topics create " + topic +
                                   "` (a node creates only the pipeline's own topics itself)"};
}

status unknown_partition_error(const std::string& topic, partition_id p, int32_t partitions) {
  return {errc::unknown_partition, "topic '" + topic + "' has no partition " +
                                       std::to_string(p.get()) + "; it has partitions 0.." +
                                       std::to_string(partitions - 1)};
}

status offset_out_of_range_error(const std::string& topic, partition_id p, offset_t from,
                                 offset_t log_start, offset_t high_watermark) {
  return {errc::offset_out_of_range,
          "offset " + std::to_string(from.get()) + " of " + topic + "/" + std::to_string(p.get()) +
              " is outside the stored range [" + std::to_string(log_start.get()) + ", " +
              std::to_string(high_watermark.get()) + "]; reset the position to earliest or latest"};
}

topic_config resolve_topic_config(const topic_config& cfg, const log_config& defaults) {
  topic_config r = cfg;
  if (r.segment_bytes == -1) r.segment_bytes = defaults.segment_bytes;
  if (r.segment_ms == -1) r.segment_ms = defaults.segment_ms;
  if (r.retention_bytes == -1) r.retention_bytes = defaults.retention_bytes;
  if (r.retention_ms == -1) r.retention_ms = defaults.retention_ms;
  return r;
}

} // namespace pinpipe::storage
