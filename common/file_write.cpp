#include "common/file_write.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace pinpipe::files {

status errno_status(const std::string& what, const std::string& path, int err) {
  if (err == ENOSPC || err == EDQUOT)
    return {errc::disk_full, what + " '" + path + "' failed: " + std::strerror(err) +
                                 "; free disk space and retry"};
  return {errc::io_error, what + " '" + path + "' failed: " + std::strerror(err)};
}

status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status("fsync of directory", dir, err);
  return {};
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

namespace {

status write_all(int fd, const std::string& path, std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("writing", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}

} // namespace

status write_file_atomic(const std::string& path, std::string_view data,
                         const std::string& tmp_path) {
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating", tmp_path, errno);
  status st = write_all(fd, tmp_path, data);
  if (st.ok() && ::fsync(fd) != 0) st = errno_status("fsync of", tmp_path, errno);
  if (::close(fd) != 0 && st.ok()) st = errno_status("closing", tmp_path, errno);
  if (st.ok() && ::rename(tmp_path.c_str(), path.c_str()) != 0)
    st = errno_status("renaming to '" + path + "'", tmp_path, errno);
  if (!st.ok()) {
    ::unlink(tmp_path.c_str());
    return st;
  }
  return fsync_dir(parent_dir(path));
}

status write_file_atomic(const std::string& path, std::string_view data) {
  return write_file_atomic(path, data, path + ".tmp");
}

} // namespace pinpipe::files
