#include "actors/durable_committer.hpp"

#include "common/logging.hpp"

namespace pinpipe::node {

durable_committer::durable_committer(std::shared_ptr<storage::log_store> log)
    : log_(std::move(log)), thread_([this] { loop(); }) {}

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
  }
  reqs.clear();
  cbs.clear();
  cv_.notify_one();
}

void durable_committer::loop() {
  std::vector<storage::produce_request> reqs;
  std::vector<storage::produce_callback> cbs;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !reqs_.empty(); });
      if (reqs_.empty()) return; // stopping, nothing left
      reqs.swap(reqs_);
      cbs.swap(cbs_);
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
