// Durable file writes, one copy for the whole project: a file replaced atomically (temp
// file, fsync, rename, fsync of the directory) appears complete or not at all, and its
// name survives a crash. Used by the lake (objects), the batch job (query CSVs) and the
// log's small metadata files. Errors name the path and the system error; a full disk is
// errc::disk_full. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace pinpipe::files {

/// A status for a failed system call on `path`: errc::disk_full for ENOSPC/EDQUOT (with
/// "free disk space" advice), io_error otherwise.
status errno_status(const std::string& what, const std::string& path, int err);

/// fsync of a directory, so that creates, renames and deletes inside it survive a crash.
status fsync_dir(const std::string& dir);

/// The directory part of `path` ("." when it has none, "/" for files in the root).
std::string parent_dir(const std::string& path);

/// Writes `data` to `tmp_path`, fsyncs it, renames it over `path` and fsyncs the directory
/// of `path`: `path` then holds `data` entirely, or (on any failure) its old content; the
/// temp file is removed on failure. `tmp_path` must be in the same directory as `path`.
status write_file_atomic(const std::string& path, std::string_view data,
                         const std::string& tmp_path);

/// The same with `path` + ".tmp" as the temp file.
status write_file_atomic(const std::string& path, std::string_view data);

} // namespace pinpipe::files
