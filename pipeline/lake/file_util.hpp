// Small POSIX file helpers for the lake: directory listing, whole-file reads and durable
// directory creation. Atomic object writes and directory fsync are the project's one copy
// in common/file_write.hpp. Errors come back as `status` values naming the path and the
// system error. Stateless and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/file_write.hpp"
#include "common/status.hpp"

namespace pinpipe::lake::fs {

enum class entry_kind { file, directory, other };

struct dir_entry {
  std::string name;
  entry_kind kind = entry_kind::other;
};

/// True when `path` exists and is a directory.
bool is_directory(const std::string& path);

/// Entries of a directory, without "." and "..", in no particular order.
result<std::vector<dir_entry>> list_dir(const std::string& path);

/// Creates `path` and missing parents; each directory created is made durable by an
/// fsync of its parent.
status make_dirs(const std::string& path);

using files::fsync_dir;

/// Reads a whole file into `out` (its capacity is reused across calls).
status read_file(const std::string& path, std::string& out);

/// Deletes a file; a missing file is not an error.
status remove_file(const std::string& path);

using files::errno_status;

} // namespace pinpipe::lake::fs
