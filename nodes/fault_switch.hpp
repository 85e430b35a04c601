// Test hook of a node ([faults] in docs/config.md): with `[faults] allow = true` and
// `[faults] block_fsync_file = PATH`, a watcher thread checks every 20 ms whether PATH
// exists; while it does, every fsync of the log blocks (storage::io::test_hooks), as on
// a stalled disk, and removing PATH releases them. Lets a process test show that reads
// and metadata are answered while fsyncs hang. Config validation refuses the key without
// `allow`; start() refuses it too, so the switch is never armed by accident.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/config.hpp"
#include "common/status.hpp"

namespace pinpipe::cli {

class fault_switch {
public:
  /// Null when no fault is configured; an error when one is asked for without allow.
  static result<std::unique_ptr<fault_switch>> start(const config::faults_section& f);
  ~fault_switch(); ///< stops watching and releases blocked fsyncs
  fault_switch(const fault_switch&) = delete;
  fault_switch& operator=(const fault_switch&) = delete;

private:
  explicit fault_switch(std::string path);
  void loop();

  std::string path_;
  std::atomic<bool> stop_{false};
  bool blocked_ = false;
  std::thread thread_;
};

} // namespace pinpipe::cli
