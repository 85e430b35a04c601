// log_client: the one way pipeline code and the CLI reach the log. Two implementations:
//  - local (local_log_client.hpp): over the engine (storage::log_store) in this process;
//  - remote (remote_log_client.hpp): over a node's ZeroMQ log API (transport::client).
// Only storage/ itself and the broker side (actors/broker_actor.*, actors/request_router.*,
// actors/fetch_serving.*, nodes/cmd_node.cpp, nodes/cmd_log.cpp) include storage/ headers;
// everything else includes this header. The value types (record, produce_request,
// topic_info, ...) are the log's own, from storage/log.hpp, and are named here too
// (logclient::record etc.) - this header pulls in no CAF, CLI11, ZeroMQ or msgpack.
//
// Semantics are those of storage::log_store (see storage/log.hpp): errors keep their errc
// (a missing topic is errc::not_found on both sides), produce batches are atomic, an
// idempotent retry (same producer id and sequence) answers `duplicate` with the first
// append's offsets instead of appending again.
//
// Threading: every method is safe to call from any thread. Produce callbacks run on the
// calling thread or (local, acks=all) on the log's flusher thread; they must be quick and
// must not call back into the client. Watch callbacks run on a thread of the client's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/log.hpp"

namespace pinpipe::logclient {

using storage::acks;
using storage::commit_on;
using storage::fetch_result;
using storage::group_offset;
using storage::log_config;
using storage::offset_spec;
using storage::partition_info;
using storage::produce_callback;
using storage::produce_request;
using storage::produce_result;
using storage::record;
using storage::record_view;
using storage::record_visitor;
using storage::stored_record;
using storage::topic_config;
using storage::topic_info;
using storage::validate_topic_name;

class log_client {
public:
  virtual ~log_client() = default;

  // -- topics -----------------------------------------------------------------------------
  virtual status create_topic(const std::string& name, const topic_config& cfg) = 0;
  virtual status delete_topic(const std::string& name) = 0;
  /// Every topic, internal ones ("__...") included; empty when the log cannot be reached.
  virtual std::vector<topic_info> list_topics() const = 0;
  virtual result<topic_info> describe_topic(const std::string& name) const = 0;

  // -- writes -----------------------------------------------------------------------------
  /// Appends the batch atomically and calls `cb` exactly once (see log_store::produce).
  virtual void produce(produce_request req, produce_callback cb) = 0;
  /// Several requests in order, cbs[i] exactly once for reqs[i] (log_store::produce_many).
  virtual void produce_many(std::vector<produce_request> reqs, std::vector<produce_callback> cbs,
                            commit_on where = commit_on::flusher) = 0;

  // -- reads ------------------------------------------------------------------------------
  /// Records from `from` on, at most about max_bytes (at least one when one exists).
  virtual result<fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                                     int32_t max_bytes) const = 0;
  /// fetch, handing each record to `fn` as a view valid during the call only.
  virtual result<fetch_result> fetch_each(const std::string& topic, partition_id p, offset_t from,
                                          int32_t max_bytes, const record_visitor& fn) const = 0;
  virtual result<offset_t> list_offset(const std::string& topic, partition_id p, offset_spec spec,
                                       int64_t ts_ms = 0) const = 0;
  /// Calls `cb` once, as soon as the partition's high watermark is > `after`. Returns an
  /// id for cancel_watch (after which `cb` is not called).
  virtual uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                         std::function<void()> cb) = 0;
  virtual void cancel_watch(uint64_t id) = 0;

  // -- consumer groups --------------------------------------------------------------------
  virtual status commit_offsets(const std::string& group,
                                const std::vector<group_offset>& offs) = 0;
  virtual std::vector<group_offset> committed_offsets(const std::string& group) const = 0;
};

/// Produces and waits for the callback: the result of one produce, on this thread.
produce_result produce_sync(log_client& c, produce_request req);

} // namespace pinpipe::logclient
