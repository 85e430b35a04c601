// Names of everything in the lake, made in one place (like leveldb's db/filename.h), so the
// writer, the reader and the tests never build a path by scattered concatenation.
//
// Layout (the MSK Connect S3 sink layout, with the lake directory as the bucket):
//   <lake_dir>/topics/<topic>/partition=<p>/<topic>+<p>+<start offset, 10 digits>.json
// e.g. topics/0a60b9a8a831.pin/partition=0/0a60b9a8a831.pin+0+0000001000.json holds the
// records of offsets 1000.. of partition 0. Offsets >= 10^10 simply get more digits.
// While an object is being written it is named "<object name>.tmp"; readers ignore such
// files and the writer deletes them when it starts (they are leftovers of a crash).
// Pure functions, thread-safe. See docs/lake.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pinpipe::lake {

/// "topics/<topic>/partition=<p>/<topic>+<p>+<start offset, 10 digits>.json"
std::string object_key(const std::string& topic, int32_t partition, int64_t start_offset);

/// "topics/<topic>/partition=<p>" (relative to the lake directory).
std::string partition_dir_key(const std::string& topic, int32_t partition);

/// "<topic>+<p>+<start offset, 10 digits>.json"
std::string object_file_name(const std::string& topic, int32_t partition, int64_t start_offset);

/// The name an object has while it is written: "<object file name>.tmp".
std::string temp_file_name(const std::string& object_name);
bool is_temp_file_name(const std::string& name);

/// Start offset of an object of (topic, partition) from its file name; nullopt when the name
/// is not exactly (canonically) such an object name.
std::optional<int64_t> parse_object_file_name(const std::string& name, const std::string& topic,
                                              int32_t partition);

/// Partition number from a directory name "partition=<p>"; nullopt otherwise.
std::optional<int32_t> parse_partition_dir_name(const std::string& name);

/// True when `topic` matches the connector's topic regex "<uid>\..*".
bool topic_matches_uid(const std::string& topic, const std::string& uid);

} // namespace pinpipe::lake
