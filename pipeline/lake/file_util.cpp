#include "pipeline/lake/file_util.hpp"

#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pinpipe::lake::fs {

status errno_status(const std::string& what, const std::string& path, int err) {
  if (err == ENOSPC || err == EDQUOT)
    return {errc::disk_full, what + " '" + path + "' failed: " + std::strerror(err) +
                                 "; free disk space and restart the connector"};
  return {errc::io_error, what + " '" + path + "' failed: " + std::strerror(err)};
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

result<std::vector<dir_entry>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return errno_status("opening directory", path, errno);
  std::vector<dir_entry> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    dir_entry de{name, entry_kind::other};
    unsigned char t = e->d_type;
    if (t == DT_UNKNOWN || t == DT_LNK) {
      struct stat st;
      if (::stat((path + "/" + name).c_str(), &st) == 0)
        t = S_ISDIR(st.st_mode) ? DT_DIR : (S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN);
    }
    if (t == DT_DIR)
      de.kind = entry_kind::directory;
    else if (t == DT_REG)
      de.kind = entry_kind::file;
    out.push_back(std::move(de));
  }
  ::closedir(d);
  return out;
}

status fsync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening directory", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status("fsync of directory", path, err);
  return {};
}

status make_dirs(const std::string& path) {
  if (path.empty() || is_directory(path)) return {};
  auto slash = path.find_last_of('/');
  std::string parent =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (auto st = make_dirs(parent); !st.ok()) return st;
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return errno_status("creating directory", path, errno);
  return fsync_dir(parent);
}

namespace {

status write_all(int fd, const std::string& path, const std::string& data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
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

status write_file_atomic(const std::string& dir, const std::string& tmp_path,
                         const std::string& final_path, const std::string& data) {
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating", tmp_path, errno);
  status st = write_all(fd, tmp_path, data);
  if (st.ok() && ::fsync(fd) != 0) st = errno_status("fsync of", tmp_path, errno);
  if (::close(fd) != 0 && st.ok()) st = errno_status("closing", tmp_path, errno);
  if (st.ok() && ::rename(tmp_path.c_str(), final_path.c_str()) != 0)
    st = errno_status("renaming to '" + final_path + "'", tmp_path, errno);
  if (!st.ok()) {
    ::unlink(tmp_path.c_str());
    return st;
  }
  return fsync_dir(dir);
}

status read_file(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_status("stat of", path, err);
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, &out[got], out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_status("reading", path, err);
    }
    if (n == 0) break; // the file shrank while we read it
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return {};
}

status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_status("deleting", path, errno);
  return {};
}

} // namespace pinpipe::lake::fs
