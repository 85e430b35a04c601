#include "cluster/forwarder.hpp"

#include "logclient/remote_log_client.hpp"

namespace pinpipe::cluster {

forwarder::forwarder(membership ms, std::string curve_public_key, std::string curve_secret_key,
                     int timeout_ms, int threads)
    : ms_(std::move(ms)), pub_(std::move(curve_public_key)), sec_(std::move(curve_secret_key)),
      timeout_ms_(timeout_ms) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

forwarder::~forwarder() { stop(); }

void forwarder::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
  // Whatever is left answers its caller now.
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(tasks_);
  }
  for (auto& [t, task] : left) task();
}

bool forwarder::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

void forwarder::post(std::function<void()> task, int delay_ms) {
  bool run_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) {
      run_now = true;
    } else {
      tasks_.emplace(std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms),
                     std::move(task));
    }
  }
  if (run_now) {
    task(); // stopping: the task sees stopping() and answers its caller
    return;
  }
  cv_.notify_one();
}

logclient::remote_log_client* forwarder::client(node_id id) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto key = std::make_pair(id.value, std::this_thread::get_id());
  auto it = clients_.find(key);
  if (it != clients_.end()) return it->second.get();
  const member* m = ms_.find(id);
  if (!m || id == ms_.self) return nullptr;
  logclient::remote_options o;
  o.endpoint = m->endpoint;
  o.server_public_key = m->curve_public_key;
  if (!m->curve_public_key.empty()) {
    o.curve_public_key = pub_;
    o.curve_secret_key = sec_;
  }
  o.name = "node-" + std::to_string(ms_.self.value);
  o.timeout_ms = timeout_ms_;
  auto c = logclient::remote_log_client::connect(o);
  if (!c) return nullptr;
  auto* raw = c->get();
  clients_[key] = std::move(*c);
  return raw;
}

void forwarder::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (stop_) return;
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    auto task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task();
    lock.lock();
  }
}

} // namespace pinpipe::cluster
