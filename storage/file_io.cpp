#include "storage/file_io.hpp"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/file_write.hpp"
#include "storage/filename.hpp"

namespace pinpipe::storage::io {

namespace test_hooks {
namespace {
std::atomic<bool> blocked{false};
std::mutex mtx;
std::condition_variable cv;
int waiting = 0;
} // namespace

void block_syncs() {
  std::lock_guard<std::mutex> guard{mtx};
  blocked = true;
}
void release_syncs() {
  {
    std::lock_guard<std::mutex> guard{mtx};
    blocked = false;
  }
  cv.notify_all();
}
int blocked_syncs() {
  std::lock_guard<std::mutex> guard{mtx};
  return waiting;
}
/// Waits while the switch is on (the stalled disk).
void wait_if_blocked() {
  if (!blocked.load(std::memory_order_relaxed)) return;
  std::unique_lock<std::mutex> lk{mtx};
  ++waiting;
  cv.wait(lk, [] { return !blocked.load(); });
  --waiting;
}
} // namespace test_hooks

std::string free_space_note(const std::string& path) {
  // The file itself, else the directory it is (to be) in.
  struct statvfs vfs {};
  std::string at = path;
  if (::statvfs(at.c_str(), &vfs) != 0) {
    const auto slash = path.rfind('/');
    at = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    if (::statvfs(at.c_str(), &vfs) != 0) return "";
  }
  const auto avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  const auto total = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  return std::to_string(avail) + " of " + std::to_string(total) +
         " bytes free on the file system of " + at;
}

status errno_status(const std::string& what, const std::string& path, int err) {
  const errc code = (err == ENOSPC || err == EDQUOT) ? errc::disk_full : errc::io_error;
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (code == errc::disk_full) {
    const std::string note = free_space_note(path);
    if (!note.empty()) msg += " (" + note + ")";
    msg += "; free disk space (delete files, or lower log.retention_bytes) and retry: the "
           "next write tries again, no restart needed";
  }
  return {code, msg};
}

file::~file() {
  close();
}

file& file::operator=(file&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

result<file> file::open_rw(const std::string& path, bool create) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (fd < 0) return errno_status("cannot open", path, errno);
  file f;
  f.fd_ = fd;
  f.path_ = path;
  return f;
}

result<file> file::open_ro(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path, errno);
  file f;
  f.fd_ = fd;
  f.path_ = path;
  return f;
}

status file::pwrite_all(const void* data, size_t n, int64_t pos) const {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, pos);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot write", path_, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
    pos += w;
  }
  return status::success();
}

result<size_t> file::pread_some(void* data, size_t n, int64_t pos) const {
  char* p = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, p + got, n - got, pos + static_cast<int64_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot read", path_, errno);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

status file::write_zeros(int64_t pos, int64_t n) const {
  static const std::vector<char> zeros(1 << 20, 0);
  while (n > 0) {
    const size_t chunk = static_cast<size_t>(std::min<int64_t>(n, zeros.size()));
    if (auto st = pwrite_all(zeros.data(), chunk, pos); !st) return st;
    pos += static_cast<int64_t>(chunk);
    n -= static_cast<int64_t>(chunk);
  }
  return status::success();
}

status file::datasync() const {
  test_hooks::wait_if_blocked();
  if (::fdatasync(fd_) != 0) return errno_status("cannot fdatasync", path_, errno);
  return status::success();
}

status file::sync() const {
  test_hooks::wait_if_blocked();
  if (::fsync(fd_) != 0) return errno_status("cannot fsync", path_, errno);
  return status::success();
}

status file::truncate(int64_t size) const {
  if (::ftruncate(fd_, size) != 0) return errno_status("cannot truncate", path_, errno);
  return status::success();
}

result<int64_t> file::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return errno_status("cannot stat", path_, errno);
  return static_cast<int64_t>(st.st_size);
}

void file::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

status fsync_dir(const std::string& dir) {
  test_hooks::wait_if_blocked();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status("cannot fsync directory", dir, err);
  return status::success();
}

status write_file_atomic(const std::string& path, const std::string& content) {
  // The stalled-disk test hook stands in for this write's fsyncs too.
  test_hooks::wait_if_blocked();
  // The log's temp name (recovery removes leftovers by it), the project's one atomic write.
  return files::write_file_atomic(path, content, filename::temp_of(path));
}

result<std::string> read_small_file(const std::string& path) {
  auto f = file::open_ro(path);
  if (!f) return f.error();
  auto sz = f->size();
  if (!sz) return sz.error();
  std::string s(static_cast<size_t>(*sz), '\0');
  auto n = f->pread_some(s.data(), s.size(), 0);
  if (!n) return n.error();
  s.resize(*n);
  return s;
}

status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return errno_status("cannot create directory", path, errno);
  }
  return status::success();
}

} // namespace pinpipe::storage::io
