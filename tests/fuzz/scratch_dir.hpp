// A per-process scratch directory for the storage fuzz targets: on /dev/shm when it exists
// (every input writes files; tmpfs keeps that off the disk), else the temp directory.
// Removed at exit.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace pinpipe::fuzz {

inline const std::string& scratch_dir() {
  // Never destroyed: the exit handler below runs after static destructors would have.
  static const std::string& dir = *new std::string([] {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("pinpipe-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec2;
      std::filesystem::remove_all(scratch_dir(), ec2);
    });
    return d.string();
  }());
  return dir;
}

} // namespace pinpipe::fuzz
