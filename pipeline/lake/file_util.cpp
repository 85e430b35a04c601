#include "pipeline/lake/file_util.hpp"

#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pinpipe::lake::fs {

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
