// Every file name of the file log is made here (as in leveldb's db/filename.h), never
// by concatenation elsewhere. Layout under log_config::dir:
//   <dir>/.lock                                   flock()ed by the process that has it open
//   <dir>/<topic>/topic.meta                      topic config (key=value lines)
//   <dir>/<topic>/<p>/<base offset, 20 digits>.log        segment
//   <dir>/<topic>/<p>/<base offset, 20 digits>.index      sparse offset index
//   <dir>/<topic>/<p>/<base offset, 20 digits>.timeindex  time index
//
// Topic directories share <dir> with the log's own files. Rule that keeps them apart:
// every file or directory the log itself keeps directly in <dir> has a name starting
// with '.', is listed in reserved_names(), and validate_topic_name (request_checks.cpp)
// refuses every name starting with '.' and every reserved name. A new top-level file
// must follow the rule (the storage tests try every reserved name as a topic).
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace pinpipe::storage::filename {

std::string lock_file(const std::string& dir);
/// Names the log keeps directly in its directory (never usable as topic names).
const std::vector<std::string>& reserved_names();
/// True when `name` may not be a topic: it starts with '.' or is reserved.
bool is_reserved(const std::string& name);
std::string topic_dir(const std::string& dir, const std::string& topic);
std::string topic_meta(const std::string& dir, const std::string& topic);
std::string partition_dir(const std::string& dir, const std::string& topic, partition_id p);
std::string segment(const std::string& partition_dir, offset_t base);
std::string offset_index(const std::string& partition_dir, offset_t base);
std::string time_index(const std::string& partition_dir, offset_t base);
/// A temporary sibling for write-then-rename.
std::string temp_of(const std::string& path);

enum class file_kind { segment, offset_index, time_index, other };
/// Parses "00000000000000001234.log" style names (no directory).
file_kind parse(const std::string& name, offset_t& base);

} // namespace pinpipe::storage::filename
