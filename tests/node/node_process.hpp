// Test helpers that run real processes: a temp dir, a `pinpipe node` child process
// (stdout piped to read its ready line, stderr to a file), and running a CLI command to
// completion with its output. Only processes started here are signalled, by pid.
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
#include <vector>

namespace pinpipe::test {

/// The pinpipe binary: $PINPIPE_BIN, else the build tree's nodes/pinpipe.
inline std::string pinpipe_bin() {
  if (const char* b = std::getenv("PINPIPE_BIN"); b && std::filesystem::exists(b)) return b;
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path() / ".." / ".." / "nodes" / "pinpipe").lexically_normal().string();
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

/// A `pinpipe node` child process on an ephemeral port.
class node_process {
public:
  /// Starts the node and waits (up to 20 s) for its ready line. extra: more arguments.
  bool start(const std::string& data_dir, const std::vector<std::string>& extra = {}) {
    // Beside the data dir (which may not exist yet), so it survives restarts.
    auto parent = std::filesystem::path(data_dir).lexically_normal().parent_path();
    stderr_path_ = (parent / ("node-" + std::to_string(++starts_) + ".err")).string();
    std::vector<std::string> argv{pinpipe_bin(), "node",     "--data-dir",
                                  data_dir,      "--listen", "tcp://127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    pid_ = spawn(argv, &out_fd_, stderr_path_);
    if (pid_ <= 0) return false;
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(out_fd_, &c, 1) != 1) return false; // exited before becoming ready
      if (c != '\n') {
        line += c;
        continue;
      }
      ready_line_ = line;
      auto at = line.find(" serving on ");
      auto end = line.find(" (data ");
      if (at == std::string::npos || end == std::string::npos) return false;
      endpoint_ = line.substr(at + 12, end - at - 12);
      return true;
    }
    return false;
  }
  /// Sends `sig` and reaps the process; returns its exit status (128+sig when killed).
  int stop(int sig = SIGTERM) { return stop_child(pid_, out_fd_, sig); }
  ~node_process() {
    if (pid_ > 0) stop(SIGKILL);
  }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& ready_line() const { return ready_line_; }
  std::string stderr_text() const { return read_file(stderr_path_); }
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int starts_ = 0;
  std::string endpoint_;
  std::string ready_line_;
  std::string stderr_path_;
};

} // namespace pinpipe::test
