// The one helper that runs real processes, for the tests and the benchmarks (pinpipe_bench
// includes it too): a temp dir, running a CLI command to completion with its output, and a
// `pinpipe node` child process (stdout piped to read its ready line
//   "pinpipe node <id> serving on <endpoint> (data <dir>)",
// stderr to a file). A node starts either from command-line flags (start(data_dir, extra):
// the tests) or from a TOML config it writes (node_process(node_settings) + start(timeout):
// the benchmarks). It records the time from fork to the ready line and reads the child's RSS
// from /proc. Only processes started here are signalled, by pid.
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

namespace pinpipe::test {

/// The pinpipe binary: $PINPIPE_BIN, else `pinpipe` next to this program, else the build
/// tree's nodes/pinpipe (tests live in <build>/tests/<dir>/, benchmarks in <build>/bench/).
inline std::string pinpipe_bin() {
  namespace fs = std::filesystem;
  if (const char* b = std::getenv("PINPIPE_BIN"); b && *b && fs::exists(b)) return b;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "pinpipe";
  for (auto cand : {self.parent_path() / "pinpipe", self.parent_path() / ".." / "nodes" / "pinpipe",
                    self.parent_path() / ".." / ".." / "nodes" / "pinpipe"})
    if (fs::exists(cand, ec)) return cand.lexically_normal().string();
  return (self.parent_path() / ".." / ".." / "nodes" / "pinpipe").lexically_normal().string();
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

/// A directory under /tmp removed (recursively) on destruction.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/pinpipe-node-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Starts `argv` with stdout -> a pipe we read, stderr -> `stderr_path`, stdin from
/// `stdin_path` (empty: /dev/null). Returns the pid; *out_fd gets the pipe's read end.
inline pid_t spawn(const std::vector<std::string>& argv, int* out_fd,
                   const std::string& stderr_path, const std::string& stdin_path = {}) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(err, 2);
    int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    dup2(in, 0);
    close(fds[0]);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  *out_fd = fds[0];
  return pid;
}

/// Result of a command run to completion.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the pinpipe CLI with `args` (stdin from `stdin_text`) to completion; killed with
/// SIGKILL after `limit` (the output then ends with a line saying so).
inline run_result run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {},
                          std::chrono::seconds limit = std::chrono::seconds(30)) {
  temp_dir io;
  write_file(io.file("in"), stdin_text);
  std::vector<std::string> argv{pinpipe_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  int fd = -1;
  pid_t pid = spawn(argv, &fd, io.file("err"), io.file("in"));
  run_result r;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      r.out.append(buf, static_cast<size_t>(n));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      r.out += "\n[test: killed after the time limit]\n";
      break;
    }
  }
  close(fd);
  int st = 0;
  waitpid(pid, &st, 0);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.err = read_file(io.file("err"));
  return r;
}

/// Sends `sig` to a child started by spawn, reaps it and closes its stdout pipe; returns
/// its exit status (128+sig when killed), -1 when there is none. Resets `pid` to -1.
inline int stop_child(pid_t& pid, int out_fd, int sig) {
  if (pid <= 0) return -1;
  kill(pid, sig);
  int st = 0;
  waitpid(pid, &st, 0);
  pid = -1;
  close(out_fd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/// A node started from a config file (the benchmarks): node_process(node_settings).
struct node_settings {
  std::string binary;   ///< empty = pinpipe_bin()
  std::string work_dir; ///< holds node.toml, node-N.err and data/ (caller removes it)
  std::string log_level = "warn";
  int32_t flush_max_delay_us = 0;
  int64_t segment_bytes = 128LL << 20;
  /// Extra config lines, "key = value", written into the [node] and [log] sections.
  std::vector<std::string> node_lines, log_lines;
};

/// A `pinpipe node` child process on an ephemeral port (tcp://127.0.0.1:0).
class node_process {
public:
  node_process() = default;
  explicit node_process(node_settings s) : s_(std::move(s)), from_config_(true) {}
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;
  ~node_process() {
    if (pid_ > 0) stop(SIGKILL);
  }

  /// Starts the node with command-line flags and waits (up to 20 s) for its ready line.
  /// extra: more arguments. The stderr file lies beside the data dir.
  bool start(const std::string& data_dir, const std::vector<std::string>& extra = {}) {
    // Beside the data dir (which may not exist yet), so it survives restarts.
    auto parent = std::filesystem::path(data_dir).lexically_normal().parent_path();
    stderr_path_ = (parent / ("node-" + std::to_string(++starts_) + ".err")).string();
    std::vector<std::string> argv{pinpipe_bin(), "node",     "--data-dir",
                                  data_dir,      "--listen", "tcp://127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return launch(argv, 20).ok();
  }

  /// Starts a node_process(node_settings): writes the config (first start only) and starts
  /// the node; returns once it printed its ready line (or fails after `timeout_s`, with the
  /// end of its stderr in the message).
  status start(double timeout_s = 30) {
    namespace fs = std::filesystem;
    if (!from_config_)
      return {errc::invalid_argument, "node_process: start(timeout) needs node_settings"};
    if (pid_ > 0) return {errc::invalid_argument, "node already running"};
    if (s_.binary.empty()) s_.binary = pinpipe_bin();
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
    stderr_path_ = s_.work_dir + "/node-" + std::to_string(++starts_) + ".err";
    return launch({s_.binary, "node", "--config", cfg_path}, timeout_s);
  }

  /// Starts `pinpipe node <args>` as given (e.g. --config FILE: a cluster node on its own
  /// fixed endpoint) with stderr appended to `stderr_path`; waits for the ready line.
  status start_args(const std::vector<std::string>& args, const std::string& stderr_path,
                    double timeout_s = 30) {
    stderr_path_ = stderr_path;
    ++starts_;
    std::vector<std::string> argv{pinpipe_bin(), "node"};
    argv.insert(argv.end(), args.begin(), args.end());
    return launch(argv, timeout_s);
  }

  /// Sends `sig`, waits up to `timeout_s` (then SIGKILL) and reaps the process; returns its
  /// exit status (128+sig when killed), -1 when none runs.
  int stop(int sig = SIGTERM, double timeout_s = 20) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    const auto t0 = std::chrono::steady_clock::now();
    int st = 0;
    while (::waitpid(pid_, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() - t0 > std::chrono::duration<double>(timeout_s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    if (out_fd_ >= 0) ::close(out_fd_);
    out_fd_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  /// SIGKILL now (a crash), reaps the child.
  void kill9() { stop(SIGKILL); }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& ready_line() const { return ready_line_; }
  std::string stderr_text() const { return read_file(stderr_path_); }
  std::string stderr_tail(std::size_t bytes = 600) const {
    std::string s = stderr_text();
    return s.size() > bytes ? s.substr(s.size() - bytes) : s;
  }
  pid_t pid() const { return pid_; }
  /// Milliseconds from fork() to the ready line of the last start.
  double start_ms() const { return start_ms_; }
  rss_info rss() const { return pid_ > 0 ? read_rss(pid_) : rss_info{}; }
  const std::string& binary() const { return s_.binary; }

private:
  /// Spawns `argv` (stderr to stderr_path_) and waits for the ready line.
  status launch(const std::vector<std::string>& argv, double timeout_s) {
    if (pid_ > 0) return {errc::invalid_argument, "node already running"};
    const auto t0 = std::chrono::steady_clock::now();
    pid_ = spawn(argv, &out_fd_, stderr_path_);
    if (pid_ <= 0) {
      pid_ = -1;
      return {errc::io_error, "cannot start " + argv[0] + " (pipe or fork failed)"};
    }
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
        line.clear(); // a line before the ready line
        continue;
      }
      ready_line_ = line;
      endpoint_ = line.substr(at + 12, end - at - 12);
      start_ms_ =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      return {};
    }
    std::string tail = stderr_tail();
    stop(SIGKILL);
    if (exited)
      return {errc::unavailable, "the node exited before it was ready; its stderr: " + tail};
    return {errc::unavailable, "the node did not print its ready line within " +
                                   std::to_string(timeout_s) + " s; its stderr: " + tail};
  }

  node_settings s_;
  bool from_config_ = false;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int starts_ = 0;
  double start_ms_ = 0;
  std::string endpoint_;
  std::string ready_line_;
  std::string stderr_path_;
};

} // namespace pinpipe::test
