// Real `pinpipe node` processes forming one cluster on 127.0.0.1, for the cluster tests
// and benchmarks: free ports, one config per node ([cluster] nodes listing them all),
// start / SIGKILL / SIGSTOP / restart by node id, the CLI against any of them, and the
// leader of a partition read from `topics describe --json`. Only processes started here
// are signalled, by pid.
//
// Threading: one thread owns a test_cluster. Header-only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/node/node_process.hpp"

namespace pinpipe::test {

/// A TCP port on 127.0.0.1 that was free a moment ago.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class test_cluster {
public:
  /// `extra_cluster_lines` go into every node's [cluster] section, `extra` after it (more
  /// sections), `node_lines[i-1]` into node i's [node] section.
  explicit test_cluster(int n, std::string extra_cluster_lines = {}, std::string extra = {},
                        std::vector<std::string> node_lines = {})
      : n_(n) {
    for (int i = 0; i < n; ++i) ports_.push_back(free_port());
    for (int i = 1; i <= n; ++i) {
      std::string nodes;
      for (int j = 1; j <= n; ++j)
        nodes += (j > 1 ? ", " : "") + std::string("\"") + std::to_string(j) + "@" + endpoint(j) + "\"";
      const std::string own = node_lines.size() >= static_cast<size_t>(i) ? node_lines[i - 1] + "\n" : "";
      write_file(config(i), "[node]\n" + own + "id = " + std::to_string(i) + "\nlisten = \"" + endpoint(i) +
                                "\"\ndata_dir = \"" + dir_.file("node-" + std::to_string(i)) +
                                "\"\nlog_level = \"info\"\n[console]\nlisten = \"\"\n[faults]\n"
                                "allow = true\n[cluster]\nnodes = [" + nodes + "]\n" +
                                extra_cluster_lines + "\n" + extra);
      nodes_.push_back(std::make_unique<node_process>());
    }
  }
  ~test_cluster() {
    for (auto& n : nodes_) n->stop(SIGKILL);
  }

  int size() const { return n_; }
  std::string endpoint(int i) const { return "tcp://127.0.0.1:" + std::to_string(ports_[i - 1]); }
  std::string config(int i) const { return dir_.file("node-" + std::to_string(i) + ".toml"); }
  std::string data_dir(int i) const { return dir_.file("node-" + std::to_string(i)); }
  std::string stderr_path(int i) const { return dir_.file("node-" + std::to_string(i) + ".err"); }
  std::string log_text(int i) const { return read_file(stderr_path(i)); }
  node_process& node(int i) { return *nodes_[static_cast<size_t>(i - 1)]; }
  bool running(int i) const { return nodes_[static_cast<size_t>(i - 1)]->pid() > 0; }
  /// Every running node's endpoint, comma-separated (the CLI's -b list).
  std::string live_endpoints() const {
    std::string out;
    for (int i = 1; i <= n_; ++i)
      if (running(i)) out += (out.empty() ? "" : ",") + endpoint(i);
    return out;
  }

  status start(int i) { return node(i).start_args({"--config", config(i)}, stderr_path(i)); }
  status start_all() {
    for (int i = 1; i <= n_; ++i)
      if (auto st = start(i); !st) return st;
    return {};
  }
  void kill9(int i) { node(i).kill9(); }

  /// The CLI with -b <every live node>.
  run_result cli(std::vector<std::string> args, const std::string& stdin_text = {},
                 int timeout_s = 60) {
    std::vector<std::string> a{"-b", live_endpoints(), "--timeout-ms", "20000"};
    a.insert(a.end(), args.begin(), args.end());
    return run_cli(a, stdin_text, std::chrono::seconds(timeout_s));
  }
  /// The CLI against node i only.
  run_result cli_at(int i, std::vector<std::string> args, const std::string& stdin_text = {},
                    int timeout_s = 60) {
    std::vector<std::string> a{"-b", endpoint(i), "--timeout-ms", "20000"};
    a.insert(a.end(), args.begin(), args.end());
    return run_cli(a, stdin_text, std::chrono::seconds(timeout_s));
  }

  /// The leader of topic/p as a live node reports it; 0 while there is none, -1 on error.
  int leader(const std::string& topic, int p, int ask = 0) {
    auto r = ask ? cli_at(ask, {"topics", "describe", topic, "--json"})
                 : cli({"topics", "describe", topic, "--json"});
    if (r.exit_code != 0) return -1;
    std::smatch m;
    const std::regex re("\\{\"partition\":" + std::to_string(p) + ",\"leader\":(null|[0-9]+)");
    if (!std::regex_search(r.out, m, re)) return -1;
    return m[1] == "null" ? 0 : std::stoi(m[1]);
  }
  /// Waits (up to `timeout_s`) until topic/p has a leader among the running nodes.
  int wait_leader(const std::string& topic, int p, double timeout_s = 10) {
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(timeout_s)) {
      const int l = leader(topic, p);
      if (l > 0 && running(l)) return l;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

private:
  int n_;
  temp_dir dir_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<node_process>> nodes_;
};

} // namespace pinpipe::test
