// The cluster's metadata (docs/cluster.md): topics, their partitions' replica sets and
// last known leaders, and the consumer groups' committed offsets. It is the state machine
// of the metadata Raft group, which every node belongs to (like Kafka's KRaft quorum):
// commands are proposed to that group's leader, and every node applies the committed
// commands in log order, so every node answers metadata requests from its own copy.
//
// A partition's Raft group id is derived from the offset of the create_topic command in
// the metadata log (unique and the same on every node): (offset + 1) << 20 | partition.
// The metadata group itself is group 0.
//
// Threading: meta_state is thread-safe (a mutex); apply() is called by the replica host's
// thread only, the readers from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"
#include "storage/log.hpp"

namespace pinpipe::cluster {

using group_id = uint64_t;
constexpr group_id metadata_group = 0;
constexpr int32_t max_partitions = 1 << 20;

inline group_id partition_group(int64_t topic_key, int32_t partition) {
  return (static_cast<uint64_t>(topic_key) << 20) | static_cast<uint64_t>(partition);
}

/// One metadata command (the payload of a metadata log entry).
struct meta_command {
  enum kind_t : uint8_t { create_topic = 1, delete_topic = 2, commit_offsets = 3, leader = 4 };
  kind_t kind = create_topic;
  std::string topic;
  storage::topic_config config;                 ///< create_topic
  std::vector<std::vector<int32_t>> assignment; ///< create_topic: replicas per partition
  std::string group;                            ///< commit_offsets
  std::vector<storage::group_offset> offsets;   ///< commit_offsets
  int64_t topic_key = 0;                        ///< leader: which creation of the topic
  int32_t partition = 0;                        ///< leader
  int32_t leader_id = -1;                       ///< leader
  int64_t term = 0;                             ///< leader
  std::vector<int32_t> in_sync;                 ///< leader: replicas in sync with it
};

std::string encode(const meta_command& c);
result<meta_command> decode_meta_command(const std::string& bytes);

struct partition_meta {
  std::vector<int32_t> replicas;
  int32_t leader = -1; ///< as last reported by the leader itself
  int64_t term = 0;
  std::vector<int32_t> in_sync; ///< as last reported by that leader
};

struct topic_meta {
  std::string name;
  storage::topic_config config;
  int64_t topic_key = 0; ///< offset of the create command + 1
  std::vector<partition_meta> partitions;
};

/// Deterministic placement: partition p gets rf consecutive members starting at member
/// (p + offset) mod N, so replicas and first-choice leaders spread evenly.
std::vector<std::vector<int32_t>> place_replicas(const std::vector<node_id>& members,
                                                 int32_t partitions, int32_t rf,
                                                 int32_t offset);

class meta_state {
public:
  /// Applies the committed command at `offset`. The status is what the proposer tells its
  /// client (topic_exists, unknown_topic, ...); the state is unchanged then.
  status apply(offset_t offset, const meta_command& c);

  std::optional<topic_meta> topic(const std::string& name) const;
  std::vector<topic_meta> topics() const;
  std::vector<storage::group_offset> offsets(const std::string& group) const;
  /// Every partition group: (group id, topic, partition, replicas).
  struct group_entry {
    group_id id;
    std::string topic;
    int32_t partition;
    std::vector<int32_t> replicas;
  };
  std::vector<group_entry> groups() const;
  size_t topic_count() const;

private:
  mutable std::mutex mu_;
  std::map<std::string, topic_meta> topics_;
  std::map<std::string, std::map<std::pair<std::string, int32_t>, storage::group_offset>> offsets_;
};

} // namespace pinpipe::cluster
