// Helpers of the CLI tests: a `pinpipe node` child process started from a config file (so it
// can run pipeline roles, with the gateway on an ephemeral port), running a CLI command with
// a time limit, and readers of the artefacts the commands write (manifests, CSV files, the
// lake). Only processes started here are signalled, by pid.
#pragma once

#include <poll.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/node/node_process.hpp"

namespace pinpipe::test {

inline const std::string cli_uid = "0a60b9a8a831";

/// Runs `pinpipe args...` to completion (killed after `limit`): exit code, stdout, stderr.
inline run_result run_for(const std::vector<std::string>& args,
                          std::chrono::seconds limit = std::chrono::seconds(60)) {
  return run_cli(args, {}, limit);
}

/// A `pinpipe node --config FILE` child on an ephemeral ZeroMQ port. Reads its stdout
/// lines: the ready line, then (with pipeline roles) "pipeline roles: ..." and the gateway
/// line "gateway listening on http://HOST:PORT ...".
class cli_node {
public:
  bool start(const std::string& config_path, const std::string& data_dir, bool expect_gateway) {
    stderr_path_ = data_dir + ".node.err";
    std::vector<std::string> argv{pinpipe_bin(), "node",   "--config", config_path,
                                  "--data-dir",  data_dir, "--listen", "tcp://127.0.0.1:0"};
    pid_ = spawn(argv, &out_fd_, stderr_path_);
    if (pid_ <= 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c;
      if (read(out_fd_, &c, 1) != 1) return false; // exited
      if (c != '\n') {
        line += c;
        continue;
      }
      lines_.push_back(line);
      if (auto at = line.find(" serving on "); at != std::string::npos) {
        auto end = line.find(" (data ");
        endpoint_ = line.substr(at + 12, end - at - 12);
      }
      if (auto at = line.find("gateway listening on "); at != std::string::npos) {
        auto url = line.substr(at + 21);
        gateway_url_ = url.substr(0, url.find(' '));
      }
      line.clear();
      if (!endpoint_.empty() && (!expect_gateway || !gateway_url_.empty())) return true;
    }
    return false;
  }
  int stop(int sig = SIGTERM) { return stop_child(pid_, out_fd_, sig); }
  ~cli_node() {
    if (pid_ > 0) stop(SIGKILL);
  }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& gateway_url() const { return gateway_url_; }
  const std::vector<std::string>& lines() const { return lines_; }
  std::string stderr_text() const { return read_file(stderr_path_); }

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string endpoint_, gateway_url_, stderr_path_;
  std::vector<std::string> lines_;
};

/// One line of a manifest (event,key,destination,partition,position).
struct manifest_row {
  int64_t event = 0, key = 0;
  std::string destination;
  int32_t partition = 0;
  std::string position;
};

inline std::vector<manifest_row> read_manifest(const std::string& path) {
  std::vector<manifest_row> out;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "event,key,destination,partition,position") << path;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');)
      f.push_back(cell);
    if (f.size() != 5) {
      ADD_FAILURE() << "bad manifest line: " << line;
      continue;
    }
    out.push_back({std::stoll(f[0]), std::stoll(f[1]), f[2], std::stoi(f[3]), f[4]});
  }
  return out;
}

/// Non-empty lines of a text.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

/// Records in the lake objects of one topic (all partitions).
inline int64_t lake_records(const std::string& lake_dir, const std::string& topic) {
  int64_t n = 0;
  std::error_code ec;
  const auto dir = std::filesystem::path(lake_dir) / "topics" / topic;
  if (!std::filesystem::exists(dir, ec)) return 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    const std::string text = read_file(it->path().string());
    n += std::count(text.begin(), text.end(), '\n');
  }
  return n;
}

/// Polls `pred` every 200 ms until it holds or `limit` passes.
template <class Pred> bool eventually(Pred pred, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return pred();
}

/// The integer value of a JSON field `"name": 123` in a flat JSON object text; -1 if absent.
inline int64_t json_int_field(const std::string& json, const std::string& name) {
  auto at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return -1;
  at += name.size() + 3;
  while (at < json.size() && json[at] == ' ')
    ++at;
  return std::stoll(json.substr(at));
}

} // namespace pinpipe::test
