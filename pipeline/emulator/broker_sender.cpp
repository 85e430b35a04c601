#include "pipeline/emulator/broker_sender.hpp"

#include <limits>
#include <random>

#include "pipeline/emulator/kinesis_hash.hpp"

namespace pinpipe::emulator {

namespace m = pinpipe::messages;

broker_sender::broker_sender(std::unique_ptr<transport::client> c, options opt)
    : client_(std::move(c)), opt_(opt) {
  new_producer_id();
}

broker_sender::~broker_sender() = default;

void broker_sender::new_producer_id() {
  std::random_device rd;
  const uint64_t bits = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  producer_id_ = static_cast<int64_t>(bits >> 2); // >= 0, < 2^62
  next_sequence_.clear();
  failed_.clear();
}

result<int32_t> broker_sender::partitions_of(const std::string& destination) {
  if (auto it = partitions_.find(destination); it != partitions_.end()) return it->second;
  m::describe_topic_request req;
  req.name = destination;
  auto resp = transport::request(*client_, req, opt_.timeout_ms);
  if (!resp)
    return status{resp.error().code(), "describing '" + destination + "' at " +
                                           client_->endpoint() + ": " + resp.error().message() +
                                           " (is `pinpipe node` running there?)"};
  if (auto st = m::status_of(*resp); !st)
    return status{st.code(), "cannot send to '" + destination + "': " + st.message() +
                                 " (start the node so it creates the default topics, or create "
                                 "it with `pinpipe topics create`)"};
  const auto n = static_cast<int32_t>(resp->topic.partitions.size());
  if (n < 1)
    return status{errc::unknown_partition, "topic '" + destination + "' has no partitions"};
  partitions_[destination] = n;
  return n;
}

result<std::vector<sent_record>>
broker_sender::send(const std::string& destination, mode mode,
                    const std::vector<std::string>& json_values) {
  if (json_values.empty()) return std::vector<sent_record>{};
  auto parts = partitions_of(destination);
  if (!parts) return parts.error();

  // Group the values by partition, keeping their order; one request per partition.
  std::map<int32_t, std::vector<size_t>> by_partition;
  for (size_t i = 0; i < json_values.size(); ++i)
    by_partition[kinesis_shard(stream_partition_key(json_values[i]), *parts)]
        .push_back(i);

  std::vector<sent_record> out(json_values.size());
  for (const auto& [partition, indexes] : by_partition) {
    std::vector<std::string> values;
    for (size_t i : indexes)
      values.push_back(json_values[i]);
    auto sent = produce(destination, mode, partition, values);
    if (!sent) return sent.error();
    for (size_t k = 0; k < indexes.size(); ++k)
      out[indexes[k]] = (*sent)[k];
  }
  return out;
}

result<std::vector<sent_record>>
broker_sender::produce(const std::string& destination, mode mode, int32_t partition,
                       const std::vector<std::string>& values) {
  const partition_key key{destination, partition};
  const auto count = static_cast<int32_t>(values.size());
  int32_t seq = 0;
  if (auto f = failed_.find(key); f != failed_.end()) {
    if (f->second.values == values) {
      seq = f->second.base_sequence; // a retry: same sequence, the broker de-duplicates
    } else {
      new_producer_id(); // unknown whether the failed batch was stored: start afresh
    }
  } else {
    seq = next_sequence_[key];
  }
  if (seq > std::numeric_limits<int32_t>::max() - count) {
    new_producer_id();
    seq = 0;
  }

  m::produce_request req;
  req.topic = destination;
  req.partition = partition_id{partition};
  req.acks = opt_.acks;
  req.producer_id = producer_id_;
  req.base_sequence = seq;
  for (const auto& v : values) {
    m::wire_record r;
    r.value = v;
    if (mode == mode::stream) {
      r.has_key = true;
      r.key = stream_partition_key(v);
    }
    req.records.push_back(std::move(r));
  }

  auto resp = transport::request(*client_, req, opt_.timeout_ms);
  status err;
  if (!resp)
    err = status{resp.error().code(), "sending to '" + destination + "' at " + client_->endpoint() +
                                          ": " + resp.error().message()};
  else if (auto st = m::status_of(*resp); !st)
    err = status{st.code(), "sending to '" + destination + "' failed: " + st.message()};
  if (!err.ok()) {
    if (err.code() == errc::out_of_order_sequence) {
      new_producer_id(); // our bookkeeping and the broker's disagree: start afresh
    } else {
      failed_[key] = failed_batch{seq, values};
      partitions_.erase(destination); // the topic may have changed: describe it again
    }
    return err;
  }
  failed_.erase(key);
  next_sequence_[key] = seq + count;
  std::vector<sent_record> out;
  for (int32_t k = 0; k < count; ++k)
    out.push_back(sent_record{partition_id{partition},
                                        std::to_string(resp->base_offset.get() + k)});
  return out;
}

} // namespace pinpipe::emulator
