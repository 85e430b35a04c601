// Helpers shared by the storage tests: a temp dir that cleans itself up, record
// builders, and a synchronous produce wrapper.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/log.hpp"

namespace pinpipe::storage::test {

/// mkdtemp directory, removed (recursively) when the object goes away.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pinpipe-storage-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

inline record make_record(const std::string& value, std::optional<std::string> key = std::nullopt,
                          int64_t ts = 0) {
  record r;
  r.key = std::move(key);
  r.value = value;
  r.timestamp_ms = ts;
  return r;
}

/// Produces and waits for the callback (whatever thread it runs on).
inline produce_result produce_sync(log_store& log, produce_request req) {
  std::promise<produce_result> p;
  auto f = p.get_future();
  log.produce(std::move(req), [&p](produce_result r) { p.set_value(std::move(r)); });
  return f.get();
}

/// A produce request of one record per value.
inline produce_request make_request(const std::string& topic, int32_t partition,
                                    const std::vector<std::string>& values, acks a = acks::leader) {
  produce_request req;
  req.topic = topic;
  req.partition = partition_id{partition};
  req.required_acks = a;
  for (const auto& v : values)
    req.records.push_back(make_record(v));
  return req;
}

inline produce_result produce_values(log_store& log, const std::string& topic, int32_t partition,
                                     const std::vector<std::string>& values,
                                     acks a = acks::leader) {
  return produce_sync(log, make_request(topic, partition, values, a));
}

/// All records of a partition from `from` on, fetched in pieces of `max_bytes`.
inline std::vector<stored_record> fetch_all(const log_store& log, const std::string& topic,
                                            int32_t partition, int64_t from = 0,
                                            int32_t max_bytes = 1 << 20) {
  std::vector<stored_record> out;
  offset_t pos{from};
  for (;;) {
    auto r = log.fetch(topic, partition_id{partition}, pos, max_bytes);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    if (!r.ok() || r->records.empty()) break;
    for (auto& s : r->records)
      out.push_back(s);
    pos = out.back().offset + 1;
  }
  return out;
}

/// A file log in a temp dir that tests can close, damage and reopen.
class FileLogTest : public ::testing::Test {
protected:
  void SetUp() override {
    cfg_.dir = dir_.path();
    reopen();
  }
  void TearDown() override {
    if (log_) log_->close();
  }
  void reopen() {
    if (log_) log_->close();
    log_.reset();
    auto r = open_file_log(cfg_);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    log_ = std::move(r).value();
  }
  void close() {
    if (log_) log_->close();
    log_.reset();
  }
  void create(const std::string& name, topic_config tc = {}) {
    ASSERT_TRUE(log_->create_topic(name, tc).ok());
  }
  std::string pdir(const std::string& topic, int32_t p = 0) const {
    return dir_.path() + "/" + topic + "/" + std::to_string(p);
  }
  /// Paths of files in a partition directory ending with `suffix`, sorted.
  std::vector<std::string> files(const std::string& topic, const std::string& suffix,
                                 int32_t p = 0) const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(pdir(topic, p))) {
      const std::string s = e.path().string();
      if (s.size() >= suffix.size() &&
          s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(s);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  partition_info info(const std::string& topic, int32_t p = 0) const {
    return log_->describe_topic(topic).value().partitions.at(p);
  }

  temp_dir dir_;
  log_config cfg_;
  std::unique_ptr<log_store> log_;
};

/// Waits (up to 10 s) until `path` is at least `size` bytes: the preallocator zero-fills
/// active segments in the background.
inline bool wait_for_file_size(const std::string& path, uintmax_t size) {
  for (int i = 0; i < 1000; ++i) {
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) >= size && !ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// Reads a whole file.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Overwrites bytes of a file at `pos` (extending it when needed).
inline void write_at(const std::string& path, int64_t pos, const std::string& bytes) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  ASSERT_TRUE(f.good()) << path;
  f.seekp(pos);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace pinpipe::storage::test
