#include "storage/preallocator.hpp"

#include <algorithm>

#include "storage/segment.hpp"

namespace pinpipe::storage {

preallocator::preallocator() : thread_([this] { run(); }) {}

preallocator::~preallocator() {
  stop();
}

void preallocator::request(std::shared_ptr<segment> seg) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stop_) return;
    if (std::find(queue_.begin(), queue_.end(), seg) != queue_.end()) return;
    queue_.push_back(std::move(seg));
  }
  cv_.notify_one();
}

void preallocator::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void preallocator::run() {
  for (;;) {
    std::shared_ptr<segment> seg;
    {
      std::unique_lock<std::mutex> lk{mtx_};
      cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      seg = std::move(queue_.front());
      queue_.pop_front();
    }
    // One piece at a time, re-queueing, so several partitions are served fairly and
    // stop() is honoured quickly.
    if (seg->preallocate_step()) request(std::move(seg));
  }
}

} // namespace pinpipe::storage
