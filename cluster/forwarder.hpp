// Requests a node hands to other nodes of its cluster: a produce for a partition another
// node leads, a metadata change while another node leads the metadata group, a read of a
// partition this node holds no replica of. A few worker threads run the tasks (each may
// block on one remote request) and a timer list runs retries after their backoff, so the
// transport thread and the replica host never wait on another node.
//
// Remote requests go through the node's ordinary ZeroMQ log API (logclient's
// remote_log_client, one per member, created on first use), with CURVE when the cluster
// has member keys: the node presents its own key pair, which every member allows.
//
// Threading: every public member is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/membership.hpp"
#include "logclient/remote_log_client.hpp"

namespace pinpipe::cluster {

class forwarder {
public:
  forwarder(membership ms, std::string curve_public_key, std::string curve_secret_key,
            int timeout_ms, int threads = 4);
  ~forwarder();
  forwarder(const forwarder&) = delete;
  forwarder& operator=(const forwarder&) = delete;
  /// Stops the workers; tasks not started yet run with `stopping()` true so they can
  /// answer their callers. Idempotent.
  void stop();
  bool stopping() const;

  /// Runs `task` on a worker thread after `delay_ms`.
  void post(std::function<void()> task, int delay_ms = 0);
  /// The calling thread's client for member `id` (nullptr for an unknown id or this node).
  logclient::remote_log_client* client(node_id id);

private:
  void work();

  membership ms_;
  std::string pub_, sec_;
  int timeout_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
  bool stop_ = false;
  /// One client per (member, calling thread): a client's calls take turns on its socket.
  std::map<std::pair<int32_t, std::thread::id>, std::unique_ptr<logclient::remote_log_client>>
      clients_;
  std::vector<std::thread> workers_;
};

} // namespace pinpipe::cluster
