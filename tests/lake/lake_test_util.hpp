// Helpers shared by the lake tests and the crash helper binary: a temp directory, a
// snapshot of a directory tree (paths + bytes) for "identical lake" checks, and a
// deterministic prepared log.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "logclient/local_log_client.hpp"

namespace pinpipe::lake::test {

/// A fresh directory from mkdtemp, removed with everything in it on destruction.
class temp_dir {
public:
  temp_dir() {
    char tmpl[] = "/tmp/pinpipe-lake-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    if (!p) std::abort();
    path_ = p;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& rel) const { return path_ + "/" + rel; }

private:
  std::string path_;
};

/// Every file (relative path -> bytes) and directory (relative path + "/" -> "") under root.
inline std::map<std::string, std::string> snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(root)) return out;
  for (auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string rel = std::filesystem::relative(e.path(), root).string();
    if (e.is_directory()) {
      out[rel + "/"] = "";
    } else {
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out[rel] = ss.str();
    }
  }
  return out;
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Appends one record to (topic, p); aborts the test program when the log refuses it.
inline void produce_one(logclient::log_client& log, const std::string& topic, int32_t p,
                        const std::string& value, int64_t ts) {
  storage::produce_request req;
  req.topic = topic;
  req.partition = partition_id{p};
  req.records.push_back(storage::record{std::nullopt, value, ts, {}});
  bool ok = false;
  log.produce(std::move(req), [&](storage::produce_result r) { ok = r.st.ok(); });
  if (!ok) std::abort();
}

constexpr const char* test_uid = "0a60b9a8a831";

/// The prepared log of the crash and connector tests, the same for a given seed: topics
/// <uid>.pin (2 partitions), <uid>.geo, <uid>.user and other.pin (not the connector's),
/// `per_partition` records each. Timestamps advance 100 ms per record with occasional 90 s
/// jumps (so 60 s record-time rotation happens); every 37th value is pretty-printed over
/// two lines.
inline void prepare_log(logclient::log_client& log, uint32_t seed, int per_partition) {
  const std::string uid = test_uid;
  struct t {
    std::string name;
    int32_t parts;
  };
  const t topics[] = {{uid + ".pin", 2}, {uid + ".geo", 1}, {uid + ".user", 1}, {"other.pin", 1}};
  std::mt19937 rng(seed);
  for (auto& tp : topics) {
    storage::topic_config cfg;
    cfg.partitions = tp.parts;
    if (!log.create_topic(tp.name, cfg).ok()) std::abort();
    for (int32_t p = 0; p < tp.parts; ++p) {
      int64_t ts = 1'700'000'000'000;
      for (int i = 0; i < per_partition; ++i) {
        ts += rng() % 50 == 0 ? 90'000 : 100;
        std::string v = "{\"ind\": " + std::to_string(rng() % 11001) +
                        ", \"seq\": " + std::to_string(i) +
                        ", \"text\": \"caf\xc3\xa9 \xe2\x80\xa6\"}";
        if (i % 37 == 0)
          v = "{\"ind\": " + std::to_string(i) + ",\n \"seq\": " + std::to_string(i) + "}";
        produce_one(log, tp.name, p, v, ts);
      }
    }
  }
}

} // namespace pinpipe::lake::test
