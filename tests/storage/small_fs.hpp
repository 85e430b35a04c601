// A small real file system for disk-full tests: a tmpfs of a few MiB mounted on a fresh
// temp directory (root only), else a loop-mounted ext4 image; unmounted (only what this
// object mounted) and removed when it goes away. When neither can be mounted, ok() is
// false and reason() says why, for GTEST_SKIP.
//
// Also the filler files the tests use to take the free space and give it back.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace pinpipe::test {

class small_fs {
public:
  explicit small_fs(int64_t bytes) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pinpipe-smallfs-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      reason_ = std::string("mkdtemp: ") + std::strerror(errno);
      return;
    }
    dir_ = tmpl;
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0) {
      mounted_ = true;
      kind_ = "tmpfs";
      return;
    }
    reason_ = std::string("mount -t tmpfs: ") + std::strerror(errno);
    // A loop-mounted ext4 image (needs root and mkfs.ext4 too).
    image_ = dir_ + ".img";
    const std::string mk = "truncate -s " + std::to_string(bytes) + " " + image_ +
                           " && mkfs.ext4 -q -F " + image_ + " >/dev/null 2>&1 && mount -o loop " +
                           image_ + " " + dir_ + " >/dev/null 2>&1";
    if (std::system(mk.c_str()) == 0) {
      mounted_ = true;
      kind_ = "ext4 (loop)";
      return;
    }
    reason_ += "; mkfs.ext4 + mount -o loop failed too (run the test as root on Linux)";
  }
  ~small_fs() {
    if (mounted_ && ::umount(dir_.c_str()) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) ::rmdir(dir_.c_str());
    if (!image_.empty()) ::unlink(image_.c_str());
  }
  small_fs(const small_fs&) = delete;
  small_fs& operator=(const small_fs&) = delete;

  bool ok() const { return mounted_; }
  const std::string& reason() const { return reason_; }
  const std::string& path() const { return dir_; }
  const std::string& kind() const { return kind_; }

  /// Bytes an unprivileged write could still use.
  int64_t free_bytes() const {
    struct statvfs v {};
    if (::statvfs(dir_.c_str(), &v) != 0) return -1;
    return static_cast<int64_t>(v.f_bavail) * static_cast<int64_t>(v.f_frsize);
  }

private:
  std::string dir_;
  std::string image_;
  std::string reason_;
  std::string kind_;
  bool mounted_ = false;
};

/// Writes `path` with up to `bytes` bytes (0xAB) until done or the disk is full; returns
/// the bytes written.
inline int64_t write_filler(const std::string& path, int64_t bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  std::vector<char> chunk(64 << 10, static_cast<char>(0xAB));
  int64_t done = 0;
  while (done < bytes) {
    const auto n = static_cast<size_t>(std::min<int64_t>(bytes - done, int64_t(chunk.size())));
    const ssize_t w = ::write(fd, chunk.data(), n);
    if (w <= 0) break;
    done += w;
  }
  ::close(fd);
  return done;
}

} // namespace pinpipe::test
