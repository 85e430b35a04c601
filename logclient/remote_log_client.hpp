// The remote log_client: a node's log API over ZeroMQ (transport::client, one DEALER
// socket). Each call is one request/reply with the client's timeout; calls from several
// threads take turns on the socket (a mutex). Errors keep the node's errc (a missing
// topic is errc::not_found, as locally); a node that cannot be reached gives
// errc::unavailable or errc::timeout with a message naming the endpoint.
//
// produce callbacks run on the calling thread once the node answered. watch() is served
// by one watcher thread with its own connection, started on the first watch: it asks the
// node for the watched partitions' high watermarks every poll_interval_ms (>= 100 ms)
// and fires the callbacks whose partition moved past `after`.
#pragma once

#include <memory>
#include <string>

#include "logclient/log_client.hpp"

namespace pinpipe::transport {
struct client_options;
}

namespace pinpipe::logclient {

struct remote_options {
  std::string endpoint = "tcp://127.0.0.1:7070";
  std::string server_public_key; ///< Z85; non-empty = CURVE
  std::string curve_public_key;  ///< the client's own pair, for nodes with an allowlist
  std::string curve_secret_key;
  std::string name = "log-client"; ///< the envelope `source`
  int timeout_ms = 10000;          ///< per request
  int poll_interval_ms = 100;      ///< watch polling (clamped to >= 100)
};

class remote_log_client final : public log_client {
public:
  /// Creates the connection (ZeroMQ connects in the background: an unreachable node shows
  /// up as errc::unavailable on the first call). Fails on a malformed endpoint or key.
  static result<std::unique_ptr<remote_log_client>> connect(const remote_options& opts);
  ~remote_log_client() override;

  status create_topic(const std::string& name, const topic_config& cfg) override;
  status delete_topic(const std::string& name) override;
  std::vector<topic_info> list_topics() const override;
  result<topic_info> describe_topic(const std::string& name) const override;
  void produce(produce_request req, produce_callback cb) override;
  void produce_many(std::vector<produce_request> reqs, std::vector<produce_callback> cbs,
                    commit_on where = commit_on::flusher) override;
  result<fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                             int32_t max_bytes) const override;
  result<fetch_result> fetch_each(const std::string& topic, partition_id p, offset_t from,
                                  int32_t max_bytes, const record_visitor& fn) const override;
  result<offset_t> list_offset(const std::string& topic, partition_id p, offset_spec spec,
                               int64_t ts_ms = 0) const override;
  uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                 std::function<void()> cb) override;
  void cancel_watch(uint64_t id) override;
  status commit_offsets(const std::string& group, const std::vector<group_offset>& offs) override;
  std::vector<group_offset> committed_offsets(const std::string& group) const override;

  /// list_topics with the error kept (list_topics() answers empty on failure).
  result<std::vector<topic_info>> try_list_topics() const;
  /// committed_offsets with the error kept.
  result<std::vector<group_offset>> try_committed_offsets(const std::string& group) const;

private:
  remote_log_client();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::logclient
