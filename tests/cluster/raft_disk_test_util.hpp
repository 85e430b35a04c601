// Helpers for the raft_disk tests: a temp directory per test, entry and request builders,
// and a capture of the "cluster" logger's lines.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <stdlib.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include "cluster/raft_disk.hpp"
#include "common/logging.hpp"

namespace pinpipe::cluster::testing {

inline raft::entry make_entry(int64_t base, int64_t last, int64_t term, std::string payload,
                              raft::entry_kind kind = raft::entry_kind::data, int64_t producer = -1,
                              int32_t seq = -1) {
  raft::entry e;
  e.base = offset_t{base};
  e.last = offset_t{last};
  e.term = term_t{term};
  e.kind = kind;
  e.producer_id = producer;
  e.base_sequence = seq;
  e.payload = std::move(payload);
  return e;
}

/// `n` one-offset entries from `base` on, of `term`, with distinct payloads.
inline std::vector<raft::entry> entries(int64_t base, int n, int64_t term, size_t payload = 16) {
  std::vector<raft::entry> out;
  for (int i = 0; i < n; ++i) {
    std::string p(payload, static_cast<char>('a' + (base + i) % 26));
    p[0] = '\0'; // binary payloads, with NUL bytes
    out.push_back(make_entry(base + i, base + i, term, std::move(p)));
  }
  return out;
}

inline raft::persist_request append_req(std::vector<raft::entry> es, uint64_t id = 1) {
  raft::persist_request r;
  r.id = id;
  r.entries = std::move(es);
  return r;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/raft_disk_test.XXXXXX";
    PINPIPE_ASSERT(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Collects what the "cluster" logger prints while it lives.
class log_capture {
public:
  log_capture() : sink_(std::make_shared<sink>()) {
    logging::get("cluster")->sinks().push_back(sink_);
  }
  ~log_capture() {
    auto& sinks = logging::get("cluster")->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> g{sink_->m};
    return sink_->lines;
  }

private:
  struct sink : spdlog::sinks::base_sink<std::mutex> {
    mutable std::mutex m;
    std::vector<std::string> lines;
    void sink_it_(const spdlog::details::log_msg& msg) override {
      std::lock_guard<std::mutex> g{m};
      lines.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}
  };
  std::shared_ptr<sink> sink_;
};

inline std::unique_ptr<raft_disk> open_ok(const std::string& dir) {
  auto d = raft_disk::open(dir);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().to_string());
  if (!d.ok()) return nullptr;
  return std::move(d.value());
}

/// What a reopened directory holds (empty, with a test failure, when it does not open).
inline raft::durable_state load(const std::string& dir) {
  auto d = open_ok(dir);
  return d ? d->take_loaded() : raft::durable_state{};
}

} // namespace pinpipe::cluster::testing
