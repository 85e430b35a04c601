// raft_disk with real raft::node instances: a small synchronous group whose every replica
// writes its readies through raft_disk (write each persist request, ONE sync per node per
// round, then persisted() and only then its messages), and restarts from take_loaded().
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "raft/node.hpp"
#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;

class disk_group {
public:
  disk_group(const std::string& root, int n) : root_(root), n_(n) {
    for (int i = 1; i <= n; ++i) {
      raft::config c;
      c.id = node_id{i};
      for (int k = 1; k <= n; ++k)
        c.voters.push_back(node_id{k});
      c.seed = 11;
      cfgs_[i] = c;
      start(i);
    }
  }
  std::string dir(int i) const { return root_ + "/replica-" + std::to_string(i); }

  /// (Re)starts node i from what its directory holds, as after a crash.
  void start(int i) {
    hung_.erase(i);
    nodes_.erase(i);
    disks_.erase(i);
    auto d = raft_disk::open(dir(i));
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    disks_[i] = std::move(d.value());
    nodes_[i] = std::make_unique<raft::node>(cfgs_[i], disks_[i]->take_loaded());
  }
  raft::node& at(int i) { return *nodes_.at(i); }
  raft_disk& disk(int i) { return *disks_.at(i); }
  void isolate(int a) { isolated_.insert(a); }
  void heal() { isolated_.clear(); }
  /// Node i writes its persist requests but never syncs them, and sends nothing (its disk
  /// hangs until it crashes).
  void hang_disk(int i) { hung_.insert(i); }
  uint64_t syncs() const { return syncs_; }

  void pump() {
    for (int round = 0; round < 10000; ++round) {
      bool busy = false;
      for (int i = 1; i <= n_; ++i) {
        std::vector<raft::message> out;
        uint64_t last_id = 0;
        while (nodes_[i]->has_ready()) {
          busy = true;
          raft::ready rd = nodes_[i]->take_ready();
          if (hung_.count(i)) {
            if (rd.persist) {
              ASSERT_TRUE(disks_[i]->write(*rd.persist).ok());
            }
            continue;
          }
          if (rd.persist) {
            status st = disks_[i]->write(*rd.persist);
            ASSERT_TRUE(st.ok()) << "node " << i << ": " << st.to_string();
            last_id = rd.persist->id;
          }
          for (auto& m : rd.messages)
            out.push_back(std::move(m));
        }
        if (last_id != 0) {
          ASSERT_TRUE(disks_[i]->sync().ok());
          ++syncs_;
          nodes_[i]->persisted(last_id);
        }
        for (auto& m : out)
          queue_.push_back(std::move(m));
      }
      if (!queue_.empty()) busy = true;
      auto q = std::move(queue_);
      queue_.clear();
      for (auto& m : q) {
        const int from = m.from.value, to = m.to.value;
        if (isolated_.count(from) || isolated_.count(to) || !nodes_.count(to)) continue;
        nodes_[to]->step(m);
      }
      if (!busy) return;
    }
    ADD_FAILURE() << "the group did not go quiet within 10000 rounds";
  }
  void tick_all(int n) {
    for (int k = 0; k < n; ++k) {
      for (auto& [i, nd] : nodes_)
        if (!isolated_.count(i)) nd->tick();
      pump();
    }
  }
  /// Ticks the reachable nodes until one of them leads; returns its id (0: none).
  int elect() {
    for (int k = 0; k < 300; ++k) {
      for (auto& [i, nd] : nodes_)
        if (!isolated_.count(i) && nd->state() == raft::role::leader) return i;
      tick_all(1);
    }
    return 0;
  }
  /// Proposes `n` batches of 3 records on the leader (idempotent `producer` from `seq`).
  void propose(int leader, int n, raft::acks_mode acks, int32_t& seq, int64_t producer = 5) {
    for (int k = 0; k < n; ++k) {
      raft::proposal p;
      p.id = next_id_++;
      p.record_count = 3;
      p.acks = acks;
      p.producer_id = producer;
      p.base_sequence = seq;
      p.payload = std::string("batch\0", 6) + std::to_string(p.id);
      seq += 3;
      ASSERT_TRUE(at(leader).propose(std::move(p)).ok());
      pump();
    }
  }

private:
  std::string root_;
  int n_;
  std::map<int, raft::config> cfgs_;
  std::map<int, std::unique_ptr<raft_disk>> disks_;
  std::map<int, std::unique_ptr<raft::node>> nodes_;
  std::set<int> isolated_, hung_;
  std::vector<raft::message> queue_;
  uint64_t syncs_ = 0;
  uint64_t next_id_ = 1;
};

TEST(RaftDiskNode, RestartedNodesHaveTheSameLogTermAndVote) {
  temp_dir t;
  disk_group g(t.path(), 3);
  const int l = g.elect();
  ASSERT_NE(l, 0);
  int32_t seq = 0;
  g.propose(l, 20, raft::acks_mode::all, seq);
  ASSERT_EQ(g.at(l).commit(), g.at(l).log().last());
  EXPECT_GT(g.syncs(), 0u);
  std::map<int, std::vector<raft::entry>> logs;
  std::map<int, raft::hard_state> hards;
  for (int i = 1; i <= 3; ++i) {
    logs[i] = g.at(i).log().entries();
    hards[i] = {g.at(i).term(), g.at(i).vote()};
    EXPECT_EQ(logs[i].size(), 21u) << "the no-op and 20 batches on node " << i;
  }
  for (int i = 1; i <= 3; ++i)
    g.start(i);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(g.at(i).log().entries(), logs[i]) << "node " << i;
    EXPECT_EQ(g.at(i).term(), hards[i].term) << "node " << i;
    EXPECT_EQ(g.at(i).vote(), hards[i].vote) << "node " << i;
  }
  // The restarted group elects a leader, recognises a retry and goes on.
  const int l2 = g.elect();
  ASSERT_NE(l2, 0);
  EXPECT_EQ(g.at(l2).producers().check(5, seq - 3, 3).v, raft::producer_table::verdict::duplicate)
      << "the producer state was rebuilt from the batches on disk";
  g.propose(l2, 5, raft::acks_mode::all, seq);
  EXPECT_EQ(g.at(l2).commit(), g.at(l2).log().last());
  EXPECT_EQ(g.at(l2).log().entries().size(), 27u) << "21 + a new no-op + 5";
}

TEST(RaftDiskNode, DivergentTailIsTruncatedOnDisk) {
  temp_dir t;
  disk_group g(t.path(), 3);
  const int old_leader = g.elect();
  ASSERT_NE(old_leader, 0);
  int32_t seq = 0;
  g.propose(old_leader, 3, raft::acks_mode::all, seq);
  // Cut off, the old leader appends batches nobody else gets (acks=1: answered, then lost).
  g.isolate(old_leader);
  int32_t lost_seq = 0;
  g.propose(old_leader, 4, raft::acks_mode::leader, lost_seq, 6);
  const auto divergent = g.at(old_leader).log().entries();
  ASSERT_EQ(divergent.size(), 8u);
  const int l = g.elect();
  ASSERT_NE(l, 0);
  ASSERT_NE(l, old_leader);
  g.propose(l, 2, raft::acks_mode::all, seq);
  g.heal();
  g.tick_all(20);
  const auto want = g.at(l).log().entries();
  ASSERT_EQ(g.at(old_leader).log().entries(), want) << "the old leader follows the new log";
  g.start(old_leader);
  EXPECT_EQ(g.at(old_leader).log().entries(), want) << "and its disk holds exactly that log";
  EXPECT_NE(g.at(old_leader).log().entries(), divergent);
}

TEST(RaftDiskNode, FollowerBehindLogStartIsResetOnDisk) {
  temp_dir t;
  disk_group g(t.path(), 3);
  const int l = g.elect();
  ASSERT_NE(l, 0);
  const int lagging = l == 3 ? 2 : 3;
  int32_t seq = 0;
  g.propose(l, 2, raft::acks_mode::all, seq);
  g.isolate(lagging);
  g.propose(l, 10, raft::acks_mode::all, seq);
  const raft::entry keep_from = g.at(l).log().entries()[6];
  ASSERT_TRUE(g.at(l).compact(keep_from.base).ok()) << "retention on the leader";
  ASSERT_TRUE(g.disk(l).compact(keep_from.base).ok()) << "and on its disk";
  g.heal();
  g.tick_all(20);
  ASSERT_EQ(g.at(lagging).log().log_start(), keep_from.base);
  EXPECT_EQ(g.disk(lagging).log_start(), keep_from.base) << "the reset reached the disk";
  const auto want = g.at(l).log().entries();
  const auto producers = g.at(l).producers().snapshot();
  g.start(lagging);
  const raft::node& f = g.at(lagging);
  EXPECT_EQ(f.log().log_start(), keep_from.base);
  EXPECT_EQ(f.log().prefix_term(), g.at(l).log().prefix_term());
  EXPECT_EQ(f.log().entries(), want);
  EXPECT_EQ(f.producers().snapshot(), producers)
      << "the producer state at log_start was kept in the header";
  // The leader restarted from its compacted disk has the same log and producer state.
  g.start(l);
  EXPECT_EQ(g.at(l).log().log_start(), keep_from.base);
  EXPECT_EQ(g.at(l).log().entries(), want);
  EXPECT_EQ(g.at(l).producers().snapshot(), producers);
  const int l2 = g.elect();
  ASSERT_NE(l2, 0);
  g.propose(l2, 2, raft::acks_mode::all, seq);
  EXPECT_EQ(g.at(l2).commit(), g.at(l2).log().last()) << "the group goes on";
}

TEST(RaftDiskNode, TornFollowerTailIsCutAndCaughtUpAgain) {
  temp_dir t;
  disk_group g(t.path(), 3);
  const int l = g.elect();
  ASSERT_NE(l, 0);
  const int f = l == 1 ? 2 : 1;
  int32_t seq = 0;
  g.propose(l, 3, raft::acks_mode::all, seq);
  // The follower writes the next batches but crashes before its fsync, and the crash
  // tears its last write: 10 bytes of its last record are missing.
  g.hang_disk(f);
  const int64_t synced = g.disk(f).bytes();
  g.propose(l, 3, raft::acks_mode::all, seq);
  const auto want = g.at(l).log().entries();
  ASSERT_GT(g.disk(f).bytes(), synced) << "the follower wrote the batches";
  ASSERT_EQ(g.disk(f).last(), want.back().last);
  g.isolate(f);
  std::filesystem::resize_file(g.dir(f) + "/raft.log",
                               static_cast<uintmax_t>(g.disk(f).bytes() - 10));
  g.start(f);
  EXPECT_EQ(g.at(f).log().entries().size(), want.size() - 1) << "the torn batch is cut";
  EXPECT_GE(g.disk(f).recovery().cut_at, synced);
  g.heal();
  g.tick_all(20);
  EXPECT_EQ(g.at(f).log().entries(), want) << "the leader sent the cut batch again";
  g.start(f);
  EXPECT_EQ(g.at(f).log().entries(), want) << "and it is on the follower's disk";
}

} // namespace
} // namespace pinpipe::cluster
