// Small POSIX file helpers for the lake: directory listing, whole-file reads, durable
// directory creation and the fsync steps of an atomic object write. Errors come back as
// `status` values naming the path and the system error. Stateless and thread-safe.
#pragma once

#include <string>
#include <vector>

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

/// fsync of a directory, so that creates, renames and deletes inside it survive a crash.
status fsync_dir(const std::string& path);

/// Writes `data` to `tmp_path`, fsyncs it, renames it to `final_path` and fsyncs the
/// directory: `final_path` appears complete or not at all. Removes `tmp_path` on failure.
status write_file_atomic(const std::string& dir, const std::string& tmp_path,
                         const std::string& final_path, const std::string& data);

/// Reads a whole file into `out` (its capacity is reused across calls).
status read_file(const std::string& path, std::string& out);

/// Deletes a file; a missing file is not an error.
status remove_file(const std::string& path);

/// A status for a failed system call: errc::disk_full for ENOSPC/EDQUOT, else io_error.
status errno_status(const std::string& what, const std::string& path, int err);

} // namespace pinpipe::lake::fs
