#include "nodes/fault_switch.hpp"

#include <chrono>
#include <sys/stat.h>

#include "common/logging.hpp"
#include "storage/file_io.hpp"

namespace pinpipe::cli {

result<std::unique_ptr<fault_switch>> fault_switch::start(const config::faults_section& f) {
  if (f.block_fsync_file.empty()) return std::unique_ptr<fault_switch>{};
  if (!f.allow)
    return status{errc::invalid_config,
                  "[faults] block_fsync_file is a test hook and needs [faults] allow = true"};
  logging::get("node")->warn("TEST HOOK armed: every fsync blocks while {} exists "
                             "([faults] block_fsync_file); never use this in production",
                             f.block_fsync_file);
  return std::unique_ptr<fault_switch>(new fault_switch(f.block_fsync_file));
}

fault_switch::fault_switch(std::string path) : path_(std::move(path)) {
  thread_ = std::thread([this] { loop(); });
}

fault_switch::~fault_switch() {
  stop_ = true;
  thread_.join();
  if (blocked_) storage::io::test_hooks::release_syncs();
}

void fault_switch::loop() {
  auto log = logging::get("node");
  while (!stop_) {
    struct stat st {};
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    if (exists && !blocked_) {
      storage::io::test_hooks::block_syncs();
      blocked_ = true;
      log->warn("TEST HOOK: fsyncs blocked ({} exists)", path_);
    } else if (!exists && blocked_) {
      storage::io::test_hooks::release_syncs();
      blocked_ = false;
      log->warn("TEST HOOK: fsyncs released ({} removed)", path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace pinpipe::cli
