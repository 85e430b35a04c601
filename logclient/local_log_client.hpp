// The local log_client: the engine (storage::log_store) in this process, called directly.
// Thread-safe because the engine is; produce callbacks fire where the engine fires them
// (the calling thread, or its flusher thread for acks=all).
#pragma once

#include <memory>

#include "logclient/log_client.hpp"

namespace pinpipe::logclient {

class local_log_client final : public log_client {
public:
  /// Over an engine someone else owns (the node's broker); `log` must outlive the client.
  explicit local_log_client(storage::log_store& log) : log_(&log) {}
  /// Owning the engine: it is closed when the client is destroyed.
  explicit local_log_client(std::unique_ptr<storage::log_store> owned);
  ~local_log_client() override;

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

  /// The engine underneath (broker side and maintenance only).
  storage::log_store& engine() const { return *log_; }

private:
  std::unique_ptr<storage::log_store> owned_;
  storage::log_store* log_;
};

/// Opens (creating if needed, recovering first) the durable log under cfg.dir and returns
/// a client owning it: for commands that run where no node runs.
result<std::unique_ptr<local_log_client>> open_local_log(const log_config& cfg);

/// A client over an in-memory log (tests).
std::unique_ptr<local_log_client> make_memory_log_client(const log_config& cfg = {});

} // namespace pinpipe::logclient
