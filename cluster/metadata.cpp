#include "cluster/metadata.hpp"

#include <msgpack.hpp>

namespace pinpipe::cluster {
namespace {

constexpr uint16_t meta_version = 1;

// The encoded form: a MessagePack array, version first (docs/wire-protocol.md,
// "Metadata commands").
struct wire_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string metadata;
  MSGPACK_DEFINE(topic, partition, offset, metadata)
};

struct wire_command {
  uint16_t version = meta_version;
  uint8_t kind = 0;
  std::string topic;
  int32_t partitions = 1;
  bool is_stream = false;
  int64_t retention_bytes = -1, retention_ms = -1, segment_bytes = -1, segment_ms = -1;
  int64_t incarnation = 0;
  std::vector<std::vector<int32_t>> assignment;
  std::string group;
  std::vector<wire_offset> offsets;
  int64_t topic_key = 0;
  int32_t partition = 0;
  int32_t leader_id = -1;
  int64_t term = 0;
  std::vector<int32_t> in_sync;
  MSGPACK_DEFINE(version, kind, topic, partitions, is_stream, retention_bytes, retention_ms,
                 segment_bytes, segment_ms, incarnation, assignment, group, offsets, topic_key,
                 partition, leader_id, term, in_sync)
};

} // namespace

std::string encode(const meta_command& c) {
  wire_command w;
  w.kind = c.kind;
  w.topic = c.topic;
  w.partitions = c.config.partitions;
  w.is_stream = c.config.is_stream;
  w.retention_bytes = c.config.retention_bytes;
  w.retention_ms = c.config.retention_ms;
  w.segment_bytes = c.config.segment_bytes;
  w.segment_ms = c.config.segment_ms;
  w.incarnation = c.config.incarnation;
  w.assignment = c.assignment;
  w.group = c.group;
  for (const auto& o : c.offsets)
    w.offsets.push_back({o.topic, o.partition.value, o.offset.value, o.metadata});
  w.topic_key = c.topic_key;
  w.partition = c.partition;
  w.leader_id = c.leader_id;
  w.term = c.term;
  w.in_sync = c.in_sync;
  msgpack::sbuffer buf;
  msgpack::pack(buf, w);
  return std::string(buf.data(), buf.size());
}

result<meta_command> decode_meta_command(const std::string& bytes) {
  wire_command w;
  try {
    auto oh = msgpack::unpack(bytes.data(), bytes.size());
    oh.get().convert(w);
  } catch (const std::exception& e) {
    return status{errc::malformed_message, std::string("metadata command does not decode: ") +
                                               e.what()};
  }
  if (w.version > meta_version)
    return status{errc::unsupported_version,
                  "metadata command of version " + std::to_string(w.version) +
                      " (this node knows up to " + std::to_string(meta_version) +
                      "): upgrade this node"};
  if (w.kind < meta_command::create_topic || w.kind > meta_command::leader)
    return status{errc::malformed_message, "unknown metadata command " + std::to_string(w.kind)};
  meta_command c;
  c.kind = static_cast<meta_command::kind_t>(w.kind);
  c.topic = w.topic;
  c.config.partitions = w.partitions;
  c.config.is_stream = w.is_stream;
  c.config.retention_bytes = w.retention_bytes;
  c.config.retention_ms = w.retention_ms;
  c.config.segment_bytes = w.segment_bytes;
  c.config.segment_ms = w.segment_ms;
  c.config.incarnation = w.incarnation;
  c.assignment = w.assignment;
  c.group = w.group;
  for (const auto& o : w.offsets)
    c.offsets.push_back({o.topic, partition_id{o.partition}, offset_t{o.offset}, o.metadata});
  c.topic_key = w.topic_key;
  c.partition = w.partition;
  c.leader_id = w.leader_id;
  c.term = w.term;
  c.in_sync = w.in_sync;
  return c;
}

std::vector<std::vector<int32_t>> place_replicas(const std::vector<node_id>& members,
                                                 int32_t partitions, int32_t rf, int32_t offset) {
  std::vector<std::vector<int32_t>> out;
  const auto n = static_cast<int32_t>(members.size());
  for (int32_t p = 0; p < partitions; ++p) {
    std::vector<int32_t> reps;
    for (int32_t k = 0; k < rf && k < n; ++k)
      reps.push_back(members[static_cast<size_t>((p + offset + k) % n)].value);
    out.push_back(std::move(reps));
  }
  return out;
}

status meta_state::apply(offset_t offset, const meta_command& c) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (c.kind) {
  case meta_command::create_topic: {
    if (topics_.count(c.topic))
      return status{errc::topic_exists, "topic '" + c.topic + "' already exists"};
    if (c.assignment.empty() || static_cast<int32_t>(c.assignment.size()) != c.config.partitions ||
        c.config.partitions > max_partitions)
      return status{errc::invalid_request, "create_topic for '" + c.topic +
                                               "' has no valid replica assignment"};
    topic_meta t;
    t.name = c.topic;
    t.config = c.config;
    t.topic_key = offset.value + 1;
    for (const auto& reps : c.assignment) {
      partition_meta pm;
      pm.replicas = reps;
      t.partitions.push_back(pm);
    }
    topics_[c.topic] = std::move(t);
    return {};
  }
  case meta_command::delete_topic: {
    if (!topics_.erase(c.topic))
      return status{errc::unknown_topic, "topic '" + c.topic + "' does not exist"};
    for (auto& [g, offs] : offsets_)
      for (auto it = offs.begin(); it != offs.end();)
        it = it->first.first == c.topic ? offs.erase(it) : std::next(it);
    return {};
  }
  case meta_command::commit_offsets: {
    for (const auto& o : c.offsets) {
      auto it = topics_.find(o.topic);
      if (it == topics_.end())
        return status{errc::unknown_topic, "topic '" + o.topic + "' does not exist"};
      if (o.partition.value < 0 ||
          o.partition.value >= static_cast<int32_t>(it->second.partitions.size()))
        return status{errc::unknown_partition, "topic '" + o.topic + "' has no partition " +
                                                   std::to_string(o.partition.value)};
    }
    auto& offs = offsets_[c.group];
    for (const auto& o : c.offsets) offs[{o.topic, o.partition.value}] = o;
    return {};
  }
  case meta_command::leader: {
    auto it = topics_.find(c.topic);
    if (it == topics_.end() || it->second.topic_key != c.topic_key || c.partition < 0 ||
        c.partition >= static_cast<int32_t>(it->second.partitions.size()))
      return {}; // a report about a deleted topic: nothing to record
    auto& pm = it->second.partitions[static_cast<size_t>(c.partition)];
    if (c.term >= pm.term) {
      pm.term = c.term;
      pm.leader = c.leader_id;
      pm.in_sync = c.in_sync;
    }
    return {};
  }
  }
  return status{errc::invalid_request, "unknown metadata command"};
}

std::optional<topic_meta> meta_state::topic(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::vector<topic_meta> meta_state::topics() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<topic_meta> out;
  for (const auto& [n, t] : topics_) out.push_back(t);
  return out;
}

std::vector<storage::group_offset> meta_state::offsets(const std::string& group) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<storage::group_offset> out;
  auto it = offsets_.find(group);
  if (it == offsets_.end()) return out;
  for (const auto& [k, o] : it->second) out.push_back(o);
  return out;
}

std::vector<meta_state::group_entry> meta_state::groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<group_entry> out;
  for (const auto& [n, t] : topics_)
    for (size_t p = 0; p < t.partitions.size(); ++p)
      out.push_back({partition_group(t.topic_key, static_cast<int32_t>(p)), n,
                     static_cast<int32_t>(p), t.partitions[p].replicas});
  return out;
}

size_t meta_state::topic_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return topics_.size();
}

} // namespace pinpipe::cluster
