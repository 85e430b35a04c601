// Reads the lake back for the batch job (the "load from S3" step of the Databricks
// notebook). Visits every object of every topic matching "<uid>\..*" in (topic,
// partition, offset) order: topics by byte order of their names, partitions by number,
// objects by start offset; line n of an object is offset start + n (format:
// lake_writer.hpp, docs/lake.md). Temp files ("*.tmp") are never read.
//
// Nothing is silently dropped; these are reported through on_problem with a reason:
//   - a line that is not valid UTF-8 or not one JSON value,
//   - a truncated object (last line without its newline),
//   - an object that cannot be read, a gap between objects (offsets no object holds),
//     and lines whose offsets an earlier object already held (overlap).
// Speed: each object is read whole into one reused buffer and split in place; the only
// per-line work is the JSON/UTF-8 check and copying the line into the reused
// lake_record handed to on_record (valid only during the call).
// Threading: a plain function; callbacks run on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.hpp"

namespace pinpipe::lake {

struct lake_record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string raw; ///< the line, without its newline
};

struct lake_problem {
  std::string object_path; ///< full path of the object
  std::string raw;         ///< the offending line ("" for gaps and unreadable objects)
  std::string reason;
  int64_t offset = -1; ///< offset of the line (first missing offset for a gap)
};

/// Errors: lake_dir missing (not_found). A lake without a topics/ directory is empty.
status
read_lake(const std::string& lake_dir, const std::string& uid,
          const std::function<void(const lake_record&)>& on_record,
          const std::function<void(const lake_problem&)>& on_problem,
          const std::function<void(int64_t objects_done, int64_t objects_total)>& progress = {});

} // namespace pinpipe::lake
