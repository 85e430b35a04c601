#include "logclient/local_log_client.hpp"

#include <future>

namespace pinpipe::logclient {

local_log_client::local_log_client(std::unique_ptr<storage::log_store> owned)
    : owned_(std::move(owned)), log_(owned_.get()) {}

local_log_client::~local_log_client() {
  if (owned_) owned_->close();
}

status local_log_client::create_topic(const std::string& name, const topic_config& cfg) {
  return log_->create_topic(name, cfg);
}
status local_log_client::delete_topic(const std::string& name) { return log_->delete_topic(name); }
std::vector<topic_info> local_log_client::list_topics() const { return log_->list_topics(); }
result<topic_info> local_log_client::describe_topic(const std::string& name) const {
  return log_->describe_topic(name);
}
void local_log_client::produce(produce_request req, produce_callback cb) {
  log_->produce(std::move(req), std::move(cb));
}
void local_log_client::produce_many(std::vector<produce_request> reqs,
                                    std::vector<produce_callback> cbs, commit_on where) {
  log_->produce_many(std::move(reqs), std::move(cbs), where);
}
result<fetch_result> local_log_client::fetch(const std::string& topic, partition_id p,
                                             offset_t from, int32_t max_bytes) const {
  return log_->fetch(topic, p, from, max_bytes);
}
result<fetch_result> local_log_client::fetch_each(const std::string& topic, partition_id p,
                                                  offset_t from, int32_t max_bytes,
                                                  const record_visitor& fn) const {
  return log_->fetch_each(topic, p, from, max_bytes, fn);
}
result<offset_t> local_log_client::list_offset(const std::string& topic, partition_id p,
                                               offset_spec spec, int64_t ts_ms) const {
  return log_->list_offset(topic, p, spec, ts_ms);
}
uint64_t local_log_client::watch(const std::string& topic, partition_id p, offset_t after,
                                 std::function<void()> cb) {
  return log_->watch(topic, p, after, std::move(cb));
}
void local_log_client::cancel_watch(uint64_t id) { log_->cancel_watch(id); }
status local_log_client::commit_offsets(const std::string& group,
                                        const std::vector<group_offset>& offs) {
  return log_->commit_offsets(group, offs);
}
std::vector<group_offset> local_log_client::committed_offsets(const std::string& group) const {
  return log_->committed_offsets(group);
}

result<std::unique_ptr<local_log_client>> open_local_log(const log_config& cfg) {
  auto log = storage::open_file_log(cfg);
  if (!log) return log.error();
  return std::make_unique<local_log_client>(std::move(*log));
}

std::unique_ptr<local_log_client> make_memory_log_client(const log_config& cfg) {
  return std::make_unique<local_log_client>(storage::make_memory_log(cfg));
}

produce_result produce_sync(log_client& c, produce_request req) {
  std::promise<produce_result> done;
  auto fut = done.get_future();
  c.produce(std::move(req), [&done](produce_result r) { done.set_value(std::move(r)); });
  return fut.get();
}

} // namespace pinpipe::logclient
