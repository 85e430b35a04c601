// Background zero-filling of active segments. fdatasync after overwriting zero-filled,
// already-synced blocks is much cheaper (~1 ms here) than after appending (~3 ms: the
// file size and block allocation must be journaled), so the log keeps a window of
// zeros ahead of each active segment's write position. Doing that inline would stall
// one append (and the next group commit) for the whole chunk, so this thread does it in
// small pieces (write zeros + fdatasync), each published to the segment when durable.
//
// Lifecycle: one per file log; stop() drains nothing (unfilled space is just appended).
// Threading: request() from any thread (cheap, deduplicated); the work runs on the
// preallocator's own thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace pinpipe::storage {

class segment;

class preallocator {
public:
  preallocator();
  ~preallocator();
  preallocator(const preallocator&) = delete;
  preallocator& operator=(const preallocator&) = delete;

  /// Asks for `seg` to be topped up (ignored after stop()).
  void request(std::shared_ptr<segment> seg);
  void stop();

private:
  void run();

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<segment>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace pinpipe::storage
