// The client side of cluster_bench (bench/cluster_bench.cpp): what a producer that follows
// the partition leader needs, over pinpipe's own transport client (libzmq DEALER):
// creating a topic once the cluster has a quorum, reading a partition's leader and high
// watermark from one node's `describe` answer, a pipelined acks=all producer with a window
// of records in flight (optionally idempotent), and a read-back with the shared count and
// order check (bench/peers/bench_common.hpp).
//
// Threading: plain functions; a transport::client belongs to the calling thread. Header-only.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "bench/peers/bench_common.hpp"
#include "messages/codec.hpp"
#include "messages/log_api.hpp"
#include "transport/client.hpp"

namespace pinpipe::bench::cluster {

namespace msg = pinpipe::messages;

inline constexpr int rpc_timeout_ms = 30000;

inline result<std::unique_ptr<transport::client>> connect(const std::string& endpoint,
                                                          const std::string& name) {
  transport::client_options co;
  co.endpoint = endpoint;
  co.name = name;
  return transport::client::connect(co);
}

/// One partition as one node sees it (its own replica's high watermark).
struct partition_view {
  int32_t leader = -1; ///< -1 = none known
  int64_t term = 0;
  int64_t high_watermark = 0;
  size_t in_sync = 0;
};

inline result<partition_view> describe(transport::client& c, const std::string& topic,
                                       int timeout_ms = 2000) {
  msg::describe_topic_request req;
  req.name = topic;
  auto r = transport::request(c, req, timeout_ms);
  if (!r) return r.error();
  if (auto st = msg::status_of(*r); !st) return st;
  if (r->topic.partitions.empty())
    return status{errc::not_found, "topic '" + topic + "' has no partitions"};
  const auto& p = r->topic.partitions.front();
  partition_view v;
  v.leader = p.leader > 0 ? p.leader : -1;
  v.term = p.leader_term;
  v.high_watermark = p.high_watermark.value;
  v.in_sync = p.in_sync.size();
  return v;
}

/// Creates `topic` (1 partition, the cluster's default replication) through `c`, retrying
/// while the cluster has no metadata leader yet (up to `timeout_s`).
inline status create_topic(transport::client& c, const std::string& topic, double timeout_s = 20) {
  const auto t0 = std::chrono::steady_clock::now();
  status last;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(timeout_s)) {
    msg::create_topic_request req;
    req.name = topic;
    req.config.partitions = 1;
    auto r = transport::request(c, req, 5000);
    if (r && (r->error == errc::ok || r->error == errc::topic_exists)) return {};
    last = r ? msg::status_of(*r) : r.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status{last.code(), "creating topic " + topic + ": " + last.message()};
}

inline msg::produce_request make_produce(const std::string& topic, int64_t producer_id = -1,
                                         int32_t sequence = -1, int8_t acks = -1) {
  msg::produce_request req;
  req.topic = topic;
  req.partition = partition_id{0};
  req.acks = acks; // -1 = all: answered at commit (a majority fsynced it); 1 = leader wrote it
  req.producer_id = producer_id;
  req.base_sequence = sequence;
  return req;
}

inline void add_record(msg::produce_request& req, std::string_view value) {
  msg::wire_record r;
  r.value.assign(value.data(), value.size());
  req.records.push_back(std::move(r));
}

struct window_result {
  uint64_t acked = 0;
  double secs = 0;
};

/// Produces records first_index, first_index+1, ... (from `gen`) in requests of `batch`
/// records, keeping up to `window` records in flight, until `records` are acknowledged or
/// `seconds` pass (then the requests in flight are awaited). Every request is acks=all; with
/// producer_id >= 0 they are idempotent (sequence = record index). `acks` 1 (a diagnostic:
/// answered once the leader wrote it) instead of all. Stops at the first error.
inline result<window_result> produce_window(transport::client& c, const std::string& topic,
                                            uint64_t records, double seconds, int batch,
                                            int window, record_generator& gen,
                                            int64_t producer_id = -1, uint64_t first_index = 0,
                                            int8_t acks = -1) {
  std::unordered_map<uint64_t, int> inflight; // correlation id -> records
  int outstanding = 0;
  uint64_t next = 0;
  window_result run;
  stopwatch sw{seconds};
  for (;;) {
    while (!sw.expired() && next < records && (outstanding == 0 || outstanding + batch <= window)) {
      const int n = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(batch), records - next));
      const uint64_t idx = first_index + next;
      auto req = make_produce(topic, producer_id,
                              producer_id >= 0 ? static_cast<int32_t>(idx) : -1, acks);
      for (int k = 0; k < n; ++k) add_record(req, gen.make(idx + static_cast<uint64_t>(k)));
      const uint64_t id = c.next_correlation_id();
      if (auto st = c.send(msg::make_envelope(req, id, c.name(), "broker")); !st) return st;
      inflight[id] = n;
      outstanding += n;
      next += static_cast<uint64_t>(n);
    }
    if (inflight.empty()) break;
    auto rep = c.receive(rpc_timeout_ms);
    if (!rep) return status{rep.error().code(), "waiting for produce acks: " + rep.error().message()};
    auto it = inflight.find(rep->correlation_id);
    if (it == inflight.end()) continue; // a stray reply
    auto r = msg::open_envelope<msg::produce_response>(*rep);
    if (!r) return r.error();
    if (auto st = msg::status_of(*r); !st) return st;
    run.acked += static_cast<uint64_t>(it->second);
    outstanding -= it->second;
    inflight.erase(it);
  }
  run.secs = sw.elapsed_s();
  return run;
}

struct readback_result {
  uint64_t records = 0;
  double secs = 0;
  status check;
};

/// Reads the partition from offset 0 through node `c` (what it has committed) and checks
/// that it holds exactly records 0 .. expected-1 of the workload, in order, once each.
inline result<readback_result> read_back(transport::client& c, const std::string& topic,
                                         uint64_t expected, double seconds) {
  readback_check chk(expected);
  stopwatch sw{seconds};
  int64_t at = 0;
  while (!sw.expired()) {
    msg::fetch_request req;
    req.topic = topic;
    req.offset = offset_t{at};
    req.max_bytes = 4 << 20;
    auto r = transport::request(c, req, rpc_timeout_ms);
    if (!r) return status{r.error().code(), "read-back: " + r.error().message()};
    if (auto st = msg::status_of(*r); !st) return status{st.code(), "read-back: " + st.message()};
    if (r->records.empty()) break;
    for (const auto& s : r->records) chk.add(s.record.value);
    at = r->records.back().offset.value + 1;
  }
  readback_result rb;
  rb.secs = sw.elapsed_s();
  rb.records = chk.count();
  rb.check = chk.finish();
  return rb;
}

} // namespace pinpipe::bench::cluster
