#include "pipeline/emulator/log_sender.hpp"

#include <future>
#include <memory>

#include "pipeline/emulator/kinesis_hash.hpp"

namespace pinpipe::emulator {

result<int32_t> log_sender::partitions_of(const std::string& destination) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = partitions_.find(destination); it != partitions_.end()) return it->second;
  }
  auto info = log_.describe_topic(destination);
  if (!info)
    return status{info.error().code(),
                  "cannot send to '" + destination + "': " + info.error().message() +
                      " (start the node so it creates the default topics, or create it with "
                      "`pinpipe topics create`)"};
  const auto n = static_cast<int32_t>(info->partitions.size());
  if (n < 1)
    return status{errc::unknown_partition, "topic '" + destination + "' has no partitions"};
  std::lock_guard<std::mutex> lock(mutex_);
  partitions_[destination] = n;
  return n;
}

result<std::vector<sent_record>> log_sender::send(const std::string& destination, mode m,
                                                  const std::vector<std::string>& json_values) {
  if (json_values.empty()) return std::vector<sent_record>{};
  auto parts = partitions_of(destination);
  if (!parts) return parts.error();

  // Group the values by partition (keeping their order) and produce one batch per partition.
  std::map<int32_t, std::vector<size_t>> by_partition;
  std::vector<storage::record> records(json_values.size());
  for (size_t i = 0; i < json_values.size(); ++i) {
    const std::string pkey = stream_partition_key(json_values[i]);
    records[i].value = json_values[i];
    if (m == mode::stream) records[i].key = pkey;
    by_partition[kinesis_shard(pkey, *parts)].push_back(i);
  }

  std::vector<sent_record> out(json_values.size());
  for (auto& [partition, indexes] : by_partition) {
    storage::produce_request req;
    req.topic = destination;
    req.partition = partition_id{partition};
    req.required_acks = opt_.required_acks;
    for (size_t i : indexes)
      req.records.push_back(std::move(records[i]));
    // shared_ptr: the callback may fire after a timeout made us return.
    auto done = std::make_shared<std::promise<storage::produce_result>>();
    auto fut = done->get_future();
    log_.produce(std::move(req),
                 [done](storage::produce_result r) { done->set_value(std::move(r)); });
    if (fut.wait_for(opt_.timeout) != std::future_status::ready)
      return status{errc::timeout, "the log did not acknowledge records for '" + destination +
                                       "' within " + std::to_string(opt_.timeout.count()) + " ms"};
    storage::produce_result r = fut.get();
    if (!r.st.ok()) {
      std::lock_guard<std::mutex> lock(mutex_); // the topic may have changed: look it up again
      partitions_.erase(destination);
      return status{r.st.code(), "sending to '" + destination + "' failed: " + r.st.message()};
    }
    for (size_t k = 0; k < indexes.size(); ++k)
      out[indexes[k]] = sent_record{partition_id{partition},
                                    std::to_string(r.base_offset.get() + static_cast<int64_t>(k))};
  }
  return out;
}

} // namespace pinpipe::emulator
