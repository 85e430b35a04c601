// The batch job's clean-and-deduplicate stage: lake records go in (on the reader's thread),
// worker threads clean them and keep, per table, the row of each ind with the lowest
// (offset, partition); finish() joins the workers and merges their maps.
//
// Lifecycle: construct (starts the workers), add() every record from ONE thread, then call
// finish() exactly once from that thread. Records are copied into chunks (one buffer per
// chunk, not one allocation per record) and handed to the workers through a bounded queue,
// so memory stays bounded by the queue plus the kept rows.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pipeline/clean/cleaner.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace pinpipe::batch {

struct clean_result {
  std::vector<clean::pin_row> pins;         // sorted by ind
  std::vector<clean::geo_row> geos;         // sorted by ind
  std::vector<clean::user_row> users;       // sorted by ind
  std::vector<warehouse::dead_letter> dead; // sorted by (topic, partition, offset)
  int64_t cleaned = 0;
};

class clean_stage {
public:
  explicit clean_stage(int threads);
  ~clean_stage();
  clean_stage(const clean_stage&) = delete;
  clean_stage& operator=(const clean_stage&) = delete;

  /// Queues one record (copied). Blocks while the queue is full.
  void add(const std::string& topic, int32_t partition, int64_t offset, std::string_view raw);
  /// Waits for the workers and merges their results.
  clean_result finish();

  struct entry {
    int32_t topic; // index into topics_
    int32_t kind;  // clean::kind as int; -1: the topic has no known kind
    int32_t partition;
    int64_t offset;
    size_t begin, size; // the raw text inside chunk::buf
  };
  struct chunk {
    std::string buf;
    std::vector<entry> entries;
  };
  template <class Row> struct kept {
    int64_t offset;
    int32_t partition;
    Row row;
  };
  struct worker_state; // per-worker maps and dead letters (clean_stage.cpp)

private:
  void push(std::unique_ptr<chunk> c);
  void work(worker_state& st);

  std::vector<std::string> topics_; // written by the adding thread only; read after join
  std::vector<int32_t> kinds_;      // per topic: clean::kind as int, -1 if none
  int32_t last_topic_ = -1;         // index of the topic of the previous add()
  std::unique_ptr<chunk> current_;
  std::mutex mtx_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::unique_ptr<chunk>> queue_;
  bool done_ = false;
  std::vector<std::unique_ptr<worker_state>> states_;
  std::vector<std::thread> workers_;
};

} // namespace pinpipe::batch
