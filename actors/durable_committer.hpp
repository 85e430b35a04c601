// The node's sync thread for acks=all produce requests. The transport thread must never
// wait for the disk (a stalled fsync would stall every read, list and metadata request it
// serves), so after each burst it hands the burst's acks=all requests here and moves on.
// This thread appends them and group-commits them with ONE log_store::produce_many call
// (commit_on::caller: one fdatasync per partition for everything handed over since its
// last commit, so bursts that arrive during a slow fsync merge into the next one), then
// runs the callbacks, which reply through the transport's thread-safe outbox.
//
// Latency: the thread sleeps on a condition variable between hand-offs and does NOT spin:
// on a loaded 2-core machine a third spinning thread (besides the transport thread's
// spin and the client) took the CPU the client needed and tripled the durable p50 in
// pinpipe_bench; without it the hand-off costs no measurable p50 (see the commit log).
//
// Order: hand-offs are committed in the order they were submitted, so the requests of one
// acks=all producer keep their order. Lifecycle: the destructor commits what is queued
// and joins. Threading: submit from any thread (the transport thread in practice).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/log.hpp"

namespace pinpipe::node {

class durable_committer {
public:
  explicit durable_committer(std::shared_ptr<storage::log_store> log);
  ~durable_committer();
  durable_committer(const durable_committer&) = delete;
  durable_committer& operator=(const durable_committer&) = delete;

  /// Queues acks=all requests with their callbacks (same sizes); returns at once.
  void submit(std::vector<storage::produce_request>& reqs,
              std::vector<storage::produce_callback>& cbs);

  /// Group commits done so far (produce_many calls of this thread).
  uint64_t commits() const { return commits_.load(); }

private:
  void loop();

  std::shared_ptr<storage::log_store> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<storage::produce_request> reqs_;
  std::vector<storage::produce_callback> cbs_;
  bool stop_ = false;
  std::atomic<uint64_t> commits_{0};
  std::thread thread_;
};

} // namespace pinpipe::node
