#include "pipeline/lake/lake_layout.hpp"

#include <cinttypes>
#include <cstdio>

namespace pinpipe::lake {

namespace {

const char* const temp_suffix = ".tmp";

std::optional<int64_t> parse_digits(const std::string& s, size_t begin, size_t end) {
  if (begin >= end || end - begin > 18) return std::nullopt;
  int64_t v = 0;
  for (size_t i = begin; i < end; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

} // namespace

std::string object_file_name(const std::string& topic, int32_t partition, int64_t start_offset) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "+%" PRId32 "+%010" PRId64 ".json", partition, start_offset);
  return topic + buf;
}

std::string partition_dir_key(const std::string& topic, int32_t partition) {
  return "topics/" + topic + "/partition=" + std::to_string(partition);
}

std::string object_key(const std::string& topic, int32_t partition, int64_t start_offset) {
  return partition_dir_key(topic, partition) + "/" +
         object_file_name(topic, partition, start_offset);
}

std::string temp_file_name(const std::string& object_name) {
  return object_name + temp_suffix;
}

bool is_temp_file_name(const std::string& name) {
  const std::string suffix = temp_suffix;
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::optional<int64_t> parse_object_file_name(const std::string& name, const std::string& topic,
                                              int32_t partition) {
  const std::string prefix = topic + "+" + std::to_string(partition) + "+";
  const std::string suffix = ".json";
  if (name.size() < prefix.size() + suffix.size() + 10) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  auto v = parse_digits(name, prefix.size(), name.size() - suffix.size());
  // Only the canonical spelling counts, so that one offset has exactly one object name.
  if (!v || object_file_name(topic, partition, *v) != name) return std::nullopt;
  return v;
}

std::optional<int32_t> parse_partition_dir_name(const std::string& name) {
  const std::string prefix = "partition=";
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  auto v = parse_digits(name, prefix.size(), name.size());
  if (!v || *v > INT32_MAX || std::to_string(*v) != name.substr(prefix.size())) return std::nullopt;
  return static_cast<int32_t>(*v);
}

bool topic_matches_uid(const std::string& topic, const std::string& uid) {
  return topic.size() > uid.size() && topic.compare(0, uid.size(), uid) == 0 &&
         topic[uid.size()] == '.';
}

} // namespace pinpipe::lake
