// Thin POSIX file helpers for the file log: an owning fd, full pread/pwrite loops, sync
// calls, directory fsync and atomic small-file replacement. Every failure becomes a
// status naming the path and strerror; ENOSPC becomes errc::disk_full.
//
// Threading: a `file` may be used by several threads at once for pread/pwrite at
// distinct positions (the kernel serialises nothing we rely on); moving/closing is
// the owner's business.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.hpp"

namespace pinpipe::storage::io {

/// Status for a failed system call on `path` (uses errno). ENOSPC and EDQUOT become
/// errc::disk_full, whose message adds the free space of the file system and what to do.
status errno_status(const std::string& what, const std::string& path, int err);
/// "<avail> of <total> bytes free on the file system of <path or its directory>"; empty
/// when statvfs fails.
std::string free_space_note(const std::string& path);

class file {
public:
  file() = default;
  ~file();
  file(file&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  file& operator=(file&& o) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;

  /// Opens read/write, creating the file if `create` (then the directory must be fsynced
  /// by the caller when the name has to survive a crash).
  static result<file> open_rw(const std::string& path, bool create);
  static result<file> open_ro(const std::string& path);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  status pwrite_all(const void* data, size_t n, int64_t pos) const;
  /// Reads up to n bytes; returns the count (short only at end of file).
  result<size_t> pread_some(void* data, size_t n, int64_t pos) const;
  status write_zeros(int64_t pos, int64_t n) const;
  status datasync() const;
  status sync() const;
  status truncate(int64_t size) const;
  result<int64_t> size() const;
  void close();

private:
  int fd_ = -1;
  std::string path_;
};

/// Test hook, a fault switch in the log's I/O layer: while blocked, every fsync the log
/// makes (file::sync, file::datasync, fsync_dir) waits until released, as on a stalled
/// disk (fsfreeze). Only tests call these; the cost otherwise is one atomic load per sync.
namespace test_hooks {
void block_syncs();
void release_syncs();
/// Syncs waiting on the switch right now.
int blocked_syncs();
} // namespace test_hooks

/// fsync of a directory, so that created/renamed/deleted names are durable.
status fsync_dir(const std::string& dir);
/// Writes `content` to path.tmp, fsyncs it, renames it over `path`, fsyncs the directory:
/// files::write_file_atomic (common/file_write.hpp) with the log's temp-file name.
status write_file_atomic(const std::string& path, const std::string& content);
result<std::string> read_small_file(const std::string& path);
status make_dir(const std::string& path);

} // namespace pinpipe::storage::io
