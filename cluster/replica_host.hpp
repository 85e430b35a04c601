// The replica host: ONE thread that runs every Raft group this node belongs to (the
// metadata group and one group per partition replica), in the style of etcd's raft node
// loop. It ticks the groups every `tick_ms`, steps the messages the node links deliver,
// proposes client batches, and for each round of readies: writes every persist request
// to its group's disk (cluster/raft_disk.hpp), syncs each written disk once (group commit
// across the round), then reports them persisted, sends the messages, applies committed
// metadata commands, publishes commits to the readers (replica_view) and answers the
// proposers.
//
// Groups live in <dir>/g<id>/ with a `group.info` naming the topic, the partition and the
// voters, so a restarted node recreates its replicas before it hears from the metadata
// group.
//
// A disk error (write or fsync failing) stops that replica: it is fail-stopped (no more
// steps, ticks or answers, logged as an error) because after a failed fsync the file's
// contents are unknown; the rest of the group elects without it. Restart the node after
// fixing the disk.
//
// Threading: the public members are thread-safe; callbacks (send, apply, role, acks) run
// on the host thread and must not block.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/metadata.hpp"
#include "cluster/replica_view.hpp"
#include "common/status.hpp"
#include "raft/node.hpp"

namespace pinpipe::cluster {

class raft_disk;

struct group_info {
  group_id id = 0;
  std::string topic; ///< "" for the metadata group
  int32_t partition = 0;
  std::vector<node_id> voters;
};

struct host_options {
  node_id self{0};
  std::string dir;             ///< <data_dir>/cluster
  int tick_ms = 10;
  int election_timeout_ms = 300; ///< randomised in [1x, 2x]
  int heartbeat_ms = 50;
};

/// What became of a proposal: the core's ack and, for metadata commands, the result of
/// applying it.
struct proposal_outcome {
  raft::proposal_ack ack;
  status applied;
  std::string message; ///< why it was refused (not ok codes)
  /// The core took the proposal (a later not_leader means the outcome is unknown); false:
  /// refused at once, nothing was appended.
  bool accepted = false;
};
using outcome_fn = std::function<void(const proposal_outcome&)>;

class replica_host {
public:
  using send_fn = std::function<void(node_id to, group_id g, raft::message m)>;
  /// What applying a metadata entry asks of the host: replicas to create or delete here.
  struct apply_effects {
    std::vector<group_info> open;
    std::vector<group_id> drop;
  };
  /// A committed metadata entry, in log order; the status goes to its proposer.
  using apply_fn =
      std::function<status(offset_t offset, const raft::entry& e, apply_effects& effects)>;
  /// A group's leader, term or in-sync set changed (as this node sees it).
  using role_fn = std::function<void(const group_info& g, node_id leader, term_t term,
                                     const std::vector<int32_t>& in_sync)>;

  /// Loads every group found under opts.dir and starts the thread. `metadata_voters` are
  /// the voters of group 0 (every member).
  static result<std::unique_ptr<replica_host>> start(host_options opts,
                                                      std::vector<node_id> metadata_voters,
                                                      send_fn send, apply_fn apply, role_fn role);
  ~replica_host();
  replica_host(const replica_host&) = delete;
  replica_host& operator=(const replica_host&) = delete;
  /// Stops the thread; pending proposals are answered unavailable. Idempotent.
  void stop();

  /// A message from a peer (any thread). Messages for unknown groups are dropped.
  void deliver(group_id g, raft::message m);
  /// A client batch for group g; `done` runs exactly once on the host thread.
  void propose(group_id g, raft::proposal p, outcome_fn done);
  /// Creates the replica of `g` on this node (disk and core) if it does not exist yet.
  /// Waits for the host thread; errc::io_error when the disk cannot be opened.
  status ensure_group(const group_info& g);
  /// Deletes this node's replica of `g` (its files too).
  void drop_group(group_id g);
  /// Moves the leadership of `g` to `to` (this node must lead it).
  status transfer(group_id g, node_id to);
  /// Transfers every group this node leads to another voter and waits (bounded) for them
  /// to move: for a clean shutdown.
  void hand_off_leadership(int wait_ms);

  std::shared_ptr<replica_view> view(group_id g) const;
  std::vector<group_info> groups() const;
  /// The leader of g as this node sees it (0 = none known) and its term.
  std::pair<node_id, term_t> leader_of(group_id g) const;

private:
  struct group;
  replica_host(host_options opts, send_fn send, apply_fn apply, role_fn role);
  void post(std::function<void()> task);
  void run();
  void tick_all();
  void process_readies();
  status open_group(const group_info& g);
  void fail_group(group& g, const status& why);
  void publish_role(group& g);
  void drop_now(group_id g);

  host_options opts_;
  send_fn send_;
  apply_fn apply_;
  role_fn role_;

  // owned by the host thread
  std::map<group_id, std::unique_ptr<group>> groups_;

  mutable std::mutex mu_; // tasks_, views_, infos_, leaders_
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::map<group_id, std::shared_ptr<replica_view>> views_;
  std::map<group_id, group_info> infos_;
  std::map<group_id, std::pair<node_id, term_t>> leaders_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace pinpipe::cluster
