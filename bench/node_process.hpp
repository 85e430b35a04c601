// A `pinpipe node` child process for the benchmarks (pinpipe_bench): writes a temp TOML
// config (docs/config.md) into a directory the caller owns, starts the binary with stdout
// on a pipe and stderr in a file, waits for its ready line
//   "pinpipe node <id> serving on <endpoint> (data <dir>)"
// and reads the endpoint from it (the config listens on tcp://127.0.0.1:0, a free port).
// It measures the time from fork to the ready line and reads the process's RSS
// (VmRSS, VmHWM) from /proc. stop() sends SIGTERM (SIGKILL after a timeout), kill9()
// SIGKILL; only this pid is ever signalled. The destructor stops a running node.
//
// Threading: one thread owns a node_process. Header-only (POSIX).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::bench {

/// The pinpipe binary: $PINPIPE_BIN, else `pinpipe` next to this program, else the build
/// tree's nodes/pinpipe (this program lives in <build>/bench/).
inline std::string find_pinpipe_binary() {
  namespace fs = std::filesystem;
  if (const char* b = std::getenv("PINPIPE_BIN"); b && *b && fs::exists(b)) return b;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "pinpipe";
  for (auto cand : {self.parent_path() / "pinpipe", self.parent_path() / ".." / "nodes" / "pinpipe",
                    self.parent_path() / ".." / ".." / "nodes" / "pinpipe"})
    if (fs::exists(cand, ec)) return cand.lexically_normal().string();
  return (self.parent_path() / ".." / "nodes" / "pinpipe").lexically_normal().string();
}

/// Resident set size figures of a process, in MiB (0 when unreadable).
struct rss_info {
  double rss_mb = 0;  ///< VmRSS: now
  double peak_mb = 0; ///< VmHWM: the high-water mark since start
};

inline rss_info read_rss(pid_t pid) {
  rss_info r;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    auto kb = [&] { return std::strtod(line.c_str() + line.find(':') + 1, nullptr) / 1024.0; };
    if (line.rfind("VmRSS:", 0) == 0) r.rss_mb = kb();
    if (line.rfind("VmHWM:", 0) == 0) r.peak_mb = kb();
  }
  return r;
}

struct node_settings {
  std::string binary;   ///< empty = find_pinpipe_binary()
  std::string work_dir; ///< holds node.toml, node-N.err and data/ (caller removes it)
  std::string log_level = "warn";
  int32_t flush_max_delay_us = 0;
  int64_t segment_bytes = 128LL << 20;
  /// Extra config lines, "key = value", written into the [node] and [log] sections.
  std::vector<std::string> node_lines, log_lines;
};

class node_process {
public:
  explicit node_process(node_settings s) : s_(std::move(s)) {
    if (s_.binary.empty()) s_.binary = find_pinpipe_binary();
  }
  ~node_process() { stop(); }
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  /// Writes the config (first start only) and starts the node; returns once it printed its
  /// ready line (or fails after `timeout_s`, with the end of its stderr in the message).
  status start(double timeout_s = 30) {
    namespace fs = std::filesystem;
    if (pid_ > 0) return {errc::invalid_argument, "node already running"};
    if (!fs::exists(s_.binary))
      return {errc::not_found, "pinpipe binary not found at " + s_.binary +
                                   " (build the `pinpipe` target or set PINPIPE_BIN)"};
    const std::string cfg_path = s_.work_dir + "/node.toml";
    if (!fs::exists(cfg_path)) {
      std::ofstream cfg(cfg_path);
      cfg << "[node]\nlisten = \"tcp://127.0.0.1:0\"\ndata_dir = \"" << s_.work_dir
          << "/data\"\nlog_level = \"" << s_.log_level << "\"\n";
      for (const auto& l : s_.node_lines)
        cfg << l << "\n";
      cfg << "\n[log]\nflush_max_delay_us = " << s_.flush_max_delay_us
          << "\nsegment_bytes = " << s_.segment_bytes << "\n";
      for (const auto& l : s_.log_lines)
        cfg << l << "\n";
      if (!cfg) return {errc::io_error, "cannot write " + cfg_path};
    }
    err_path_ = s_.work_dir + "/node-" + std::to_string(++starts_) + ".err";
    int fds[2];
    if (::pipe(fds) != 0) return {errc::io_error, "pipe() failed"};
    const auto t0 = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, 2);
      int in = ::open("/dev/null", O_RDONLY);
      if (in >= 0) ::dup2(in, 0);
      ::close(fds[0]);
      ::execl(s_.binary.c_str(), s_.binary.c_str(), "node", "--config", cfg_path.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    if (pid_ < 0) {
      ::close(fds[0]);
      return {errc::io_error, "fork() failed"};
    }
    out_fd_ = fds[0];
    std::string line;
    bool exited = false;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(timeout_s)) {
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char c;
      if (::read(out_fd_, &c, 1) != 1) { // exited before becoming ready
        exited = true;
        break;
      }
      if (c != '\n') {
        line += c;
        continue;
      }
      auto at = line.find(" serving on ");
      auto end = line.find(" (data ");
      if (at == std::string::npos || end == std::string::npos) {
        line.clear();
        continue;
      }
      endpoint_ = line.substr(at + 12, end - at - 12);
      start_ms_ =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      return {};
    }
    std::string tail = stderr_tail();
    stop();
    if (exited)
      return {errc::unavailable, "the node exited before it was ready; its stderr: " + tail};
    return {errc::unavailable, "the node did not print its ready line within " +
                                   std::to_string(timeout_s) + " s; its stderr: " + tail};
  }

  /// SIGTERM, wait up to `timeout_s`, then SIGKILL; reaps the child. Idempotent.
  void stop(double timeout_s = 20) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto t0 = std::chrono::steady_clock::now();
    int st = 0;
    while (::waitpid(pid_, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() - t0 > std::chrono::duration<double>(timeout_s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    finish();
  }

  /// SIGKILL now (a crash), reaps the child.
  void kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    finish();
  }

  pid_t pid() const { return pid_; }
  const std::string& endpoint() const { return endpoint_; }
  /// Milliseconds from fork() to the ready line of the last start().
  double start_ms() const { return start_ms_; }
  rss_info rss() const { return pid_ > 0 ? read_rss(pid_) : rss_info{}; }
  const std::string& binary() const { return s_.binary; }

  std::string stderr_tail(std::size_t bytes = 600) const {
    std::ifstream in(err_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > bytes ? s.substr(s.size() - bytes) : s;
  }

private:
  void finish() {
    pid_ = -1;
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
  }

  node_settings s_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int starts_ = 0;
  std::string err_path_;
  std::string endpoint_;
  double start_ms_ = 0;
};

} // namespace pinpipe::bench
