#include "actors/durable_committer.hpp"

#include <chrono>

#include "common/logging.hpp"

namespace pinpipe::node {

durable_committer::durable_committer(std::shared_ptr<storage::log_store> log, int spin_us)
    : log_(std::move(log)), spin_us_(spin_us), thread_([this] { loop(); }) {}

durable_committer::~durable_committer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void durable_committer::submit(std::vector<storage::produce_request>& reqs,
                               std::vector<storage::produce_callback>& cbs) {
  if (reqs.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reqs_.empty()) {
      reqs_.swap(reqs);
      cbs_.swap(cbs);
    } else {
      for (size_t i = 0; i < reqs.size(); ++i) {
        reqs_.push_back(std::move(reqs[i]));
        cbs_.push_back(std::move(cbs[i]));
      }
    }
    pending_.store(true, std::memory_order_release);
  }
  reqs.clear();
  cbs.clear();
  cv_.notify_one();
}

void durable_committer::loop() {
  std::vector<storage::produce_request> reqs;
  std::vector<storage::produce_callback> cbs;
  for (;;) {
    // A client waiting for each ack sends its next request right after the reply: look
    // for it briefly before paying a sleep and a wake-up.
    if (spin_us_ > 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us_);
      while (!pending_.load(std::memory_order_acquire) &&
             std::chrono::steady_clock::now() < until) {
      }
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !reqs_.empty(); });
      if (reqs_.empty()) return; // stopping, nothing left
      reqs.swap(reqs_);
      cbs.swap(cbs_);
      pending_.store(false, std::memory_order_relaxed);
    }
    try {
      log_->produce_many(std::move(reqs), std::move(cbs), storage::commit_on::caller);
    } catch (const std::exception& e) {
      logging::get("node")->error("acks=all group commit threw: {}", e.what());
    }
    ++commits_;
    reqs.clear();
    cbs.clear();
    reqs.reserve(64);
    cbs.reserve(64);
  }
}

} // namespace pinpipe::node
