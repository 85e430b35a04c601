// Raft groups over real node links: three nodes on 127.0.0.1, each hosting one replica
// of several Raft groups (raft::node) and exchanging their messages through peer_mesh.
// The groups elect leaders and commit proposals with the heartbeats of all groups
// batched per node pair, and fail over when a node dies. (The "disk" is memory here:
// every persist request counts as durable at once; durability is raft_sim_test's job.)
#include <deque>
#include <set>

#include <gtest/gtest.h>

#include "raft/node.hpp"
#include "tests/transport/peer_cluster.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test;

constexpr int n_groups = 6;

/// One node's Raft replicas and the thread that drives them every 10 ms.
struct raft_host {
  std::vector<std::unique_ptr<raft::node>> groups;
  std::mutex mu; ///< guards groups, inbox, acks
  std::deque<std::pair<group_id, raft::message>> inbox;
  std::map<uint64_t, raft::proposal_ack> acks;
  peer_mesh* mesh = nullptr;
  std::atomic<bool> stop{false};
  std::thread thread;

  raft_host(int id, int nodes) {
    for (int g = 0; g < n_groups; ++g) {
      raft::config c;
      c.id = node_id{id};
      for (int i = 1; i <= nodes; ++i)
        c.voters.push_back(node_id{i});
      c.seed = uint64_t(g * 31 + id);
      groups.push_back(std::make_unique<raft::node>(c));
    }
  }
  ~raft_host() { halt(); }
  void halt() {
    stop = true;
    if (thread.joinable()) thread.join();
  }

  void drain(int g) {
    raft::node& n = *groups[g];
    while (n.has_ready()) {
      raft::ready rd = n.take_ready();
      for (auto& m : rd.messages)
        (void)mesh->send(m.to, group_id(g), m);
      for (auto& a : rd.acks)
        acks[a.id] = a;
      if (rd.persist) n.persisted(rd.persist->id); // memory "disk": durable at once
    }
  }
  void run() {
    while (!stop) {
      {
        std::lock_guard<std::mutex> lock(mu);
        std::deque<std::pair<group_id, raft::message>> in;
        in.swap(inbox);
        for (auto& [g, m] : in)
          if (g < group_id(n_groups)) groups[g]->step(m);
        for (int g = 0; g < n_groups; ++g) {
          groups[g]->tick();
          drain(g);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
};

class PeerRaft : public PeerCluster {
protected:
  std::vector<std::unique_ptr<raft_host>> hosts;

  void start_raft(int count) {
    opts.heartbeat_ms = 30;
    opts.timeout_ms = 300;
    for (int i = 1; i <= count; ++i)
      hosts.push_back(std::make_unique<raft_host>(i, count));
    // Servers and meshes come up in start_cluster; the sinks must be set before.
    for (int i = 1; i <= count; ++i) {
      auto n = std::make_unique<test_node>();
      n->id = i;
      raft_host* h = hosts[i - 1].get();
      n->sink = [h](group_id g, raft::message m) {
        std::lock_guard<std::mutex> lock(h->mu);
        h->inbox.emplace_back(g, std::move(m));
      };
      members.push_back({node_id{i}, "", ""});
      nodes.push_back(std::move(n));
    }
    for (auto& n : nodes) {
      start_server(*n, "tcp://127.0.0.1:0");
      members[n->id - 1].endpoint = n->srv->endpoint();
    }
    for (auto& n : nodes)
      start_mesh(*n);
    for (int i = 0; i < count; ++i) {
      hosts[i]->mesh = nodes[i]->mesh.get();
      hosts[i]->thread = std::thread([h = hosts[i].get()] { h->run(); });
    }
  }
  void TearDown() override {
    for (auto& h : hosts)
      h->halt();
    for (auto& n : nodes) // the servers call into the hosts
      if (n->srv) n->srv->stop();
  }

  /// The leader of group g every live host agrees on (0 when none or they disagree).
  int agreed_leader(int g, const std::set<int>& live) {
    int leader = 0;
    for (int i : live) {
      std::lock_guard<std::mutex> lock(hosts[i - 1]->mu);
      const auto& n = *hosts[i - 1]->groups[g];
      const int l = n.leader().value;
      if (l == 0 || !live.count(l) || (leader != 0 && l != leader)) return 0;
      leader = l;
    }
    std::lock_guard<std::mutex> lock(hosts[leader - 1]->mu);
    return hosts[leader - 1]->groups[g]->state() == raft::role::leader ? leader : 0;
  }

  /// Proposes one acks=all batch to group g's leader and waits for its acknowledgement.
  bool commit_one(int g, int leader, uint64_t id) {
    {
      std::lock_guard<std::mutex> lock(hosts[leader - 1]->mu);
      raft::proposal p;
      p.id = id;
      p.payload = "batch " + std::to_string(id);
      if (!hosts[leader - 1]->groups[g]->propose(p).ok()) return false;
      hosts[leader - 1]->drain(g);
    }
    return wait_until([&] {
      std::lock_guard<std::mutex> lock(hosts[leader - 1]->mu);
      auto it = hosts[leader - 1]->acks.find(id);
      return it != hosts[leader - 1]->acks.end() && it->second.code == errc::ok;
    });
  }
};

TEST_F(PeerRaft, GroupsElectLeadersAndCommitOverBatchedHeartbeats) {
  start_raft(3);
  const std::set<int> all = {1, 2, 3};
  for (int g = 0; g < n_groups; ++g)
    ASSERT_TRUE(wait_until([&] { return agreed_leader(g, all) != 0; }, 10000))
        << "group " << g << " has no leader";
  for (int g = 0; g < n_groups; ++g)
    EXPECT_TRUE(commit_one(g, agreed_leader(g, all), 100 + g)) << "group " << g;

  // Stable for a second: no elections (the batched heartbeats keep every follower
  // quiet and every leader's quorum check happy), and one heartbeat frame per interval.
  std::map<int, int64_t> terms;
  for (int g = 0; g < n_groups; ++g) {
    std::lock_guard<std::mutex> lock(hosts[0]->mu);
    terms[g] = hosts[0]->groups[g]->term().value;
  }
  const auto before = link(1, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const auto after = link(1, 2);
  for (int g = 0; g < n_groups; ++g) {
    std::lock_guard<std::mutex> lock(hosts[0]->mu);
    EXPECT_EQ(hosts[0]->groups[g]->term().value, terms[g]) << "group " << g << " re-elected";
  }
  const uint64_t frames = after.heartbeat_frames_sent - before.heartbeat_frames_sent;
  EXPECT_LE(frames, 1000u / opts.heartbeat_ms + 3);
  EXPECT_GE(after.heartbeat_items_sent - before.heartbeat_items_sent, frames)
      << "the groups' heartbeats did not travel in the batches";
}

TEST_F(PeerRaft, GroupsFailOverWhenANodeDies) {
  start_raft(3);
  const std::set<int> all = {1, 2, 3};
  for (int g = 0; g < n_groups; ++g)
    ASSERT_TRUE(wait_until([&] { return agreed_leader(g, all) != 0; }, 10000));
  // Kill the node leading group 0.
  const int victim = agreed_leader(0, all);
  hosts[victim - 1]->halt();
  kill(node(victim));
  std::set<int> live = all;
  live.erase(victim);
  for (int g = 0; g < n_groups; ++g) {
    ASSERT_TRUE(wait_until([&] { return agreed_leader(g, live) != 0; }, 10000))
        << "group " << g << " did not elect a leader among the survivors";
    EXPECT_TRUE(commit_one(g, agreed_leader(g, live), 200 + g)) << "group " << g;
  }
  for (int i : live)
    EXPECT_FALSE(node(i).mesh->is_up(node_id{victim}));
}

} // namespace
} // namespace pinpipe::transport
