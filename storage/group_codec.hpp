// How consumer group offsets are stored as records of the internal topic
// "__consumer_offsets" (1 partition; both log implementations use it):
//   key   = "<group>/<topic>/<partition>"   e.g. "cleaner/pins/3"
//           (topic names cannot contain '/', the group may; parse from the right)
//   value = "<offset>\n<metadata>"          e.g. "1200\n" (metadata may be empty)
// The latest record for a key wins; on open the log replays the topic into a map.
//
// Threading: pure functions plus a map type the owner protects.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "storage/log.hpp"

namespace pinpipe::storage {

/// group -> (topic, partition) -> committed offset.
using group_offsets_map =
    std::map<std::string, std::map<std::pair<std::string, int32_t>, group_offset>>;

record encode_group_offset(const std::string& group, const group_offset& off);

/// Decodes one record of __consumer_offsets; nullopt (and the caller logs) if malformed.
std::optional<std::pair<std::string, group_offset>> decode_group_offset(const record& r);

/// Applies one decoded record to the map.
void apply_group_offset(group_offsets_map& m, const std::string& group, const group_offset& off);

/// Lists a group's offsets in (topic, partition) order.
std::vector<group_offset> list_group_offsets(const group_offsets_map& m, const std::string& group);

/// Checks a commit request; the message names the bad field.
status validate_group_commit(const std::string& group, const std::vector<group_offset>& offs);

} // namespace pinpipe::storage
