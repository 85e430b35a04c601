// Node links (transport/peer_mesh.hpp) over real ZeroMQ sockets on 127.0.0.1: three nodes,
// each a request server (ROUTER) plus a mesh of DEALERs, exchange Raft messages both ways;
// liveness and reconnects; heartbeats batched per node pair; the fault switch. Bad frames
// and CURVE: peer_link_security_test.cpp.
#include "transport/peer_mesh.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/transport/peer_cluster.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test;
using PeerLink = PeerCluster;

TEST_F(PeerLink, ThreeMeshesExchangeRaftMessagesBothWays) {
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); })) << "links did not come up";
  const int per_pair = 50;
  for (int i = 0; i < per_pair; ++i)
    for (auto& a : nodes)
      for (auto& b : nodes)
        if (a != b) {
          ASSERT_TRUE(
              a->mesh->send(node_id{b->id}, group_id(100 + i), append_msg(a->id, b->id, i)).ok());
        }
  for (auto& n : nodes)
    ASSERT_TRUE(wait_until([&] {
      return n->appends_from(n->id % 3 + 1) == per_pair &&
             n->appends_from((n->id + 1) % 3 + 1) == per_pair;
    })) << "node "
        << n->id << " got " << n->got.size() << " messages";
  // Every message arrived intact, with its group, in the order sent on its link.
  for (auto& n : nodes) {
    std::lock_guard<std::mutex> lock(n->mu);
    std::map<int, int> next;
    for (auto& [g, m] : n->got) {
      if (m.type != raft::msg_type::append) continue;
      const int i = next[m.from.value]++;
      EXPECT_EQ(g, group_id(100 + i));
      EXPECT_EQ(m, append_msg(m.from.value, n->id, i));
    }
  }
  // A peer that is not a member is refused at send.
  auto st = node(1).mesh->send(node_id{9}, 1, append_msg(1, 9, 0));
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_NE(st.message().find("not a peer"), std::string::npos);
}

TEST_F(PeerLink, HeartbeatsAreBatchedOnePerIntervalPerPeer) {
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); }));
  const int groups = 20;
  const auto before2 = link(1, 2), before3 = link(1, 3);
  const auto t0 = clock_type::now();
  int rounds = 0;
  // The Raft core of each of 20 groups heartbeats every 10 ms (faster than the 20 ms interval).
  while (clock_type::now() - t0 < std::chrono::milliseconds(600)) {
    for (int to : {2, 3})
      for (int g = 0; g < groups; ++g) {
        raft::message hb;
        hb.type = raft::msg_type::heartbeat;
        hb.from = node_id{1};
        hb.to = node_id{to};
        hb.term = term_t{rounds + 1};
        hb.commit = offset_t{g};
        ASSERT_TRUE(node(1).mesh->send(node_id{to}, group_id(g), hb).ok());
      }
    ++rounds;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  const link_stats after_loop[2] = {link(1, 2), link(1, 3)};
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * opts.heartbeat_ms));
  for (int to : {2, 3}) {
    const auto& before = to == 2 ? before2 : before3;
    const auto& after = after_loop[to - 2];
    const uint64_t frames = after.heartbeat_frames_sent - before.heartbeat_frames_sent;
    const uint64_t items = after.heartbeat_items_sent - before.heartbeat_items_sent;
    // 20 groups x `rounds` heartbeats went in; about one frame per 20 ms interval came out.
    const double max_frames = elapsed_ms / opts.heartbeat_ms + 2;
    EXPECT_LE(frames, max_frames) << "heartbeats were not batched per interval";
    EXPECT_GE(frames, 5u);
    EXPECT_LT(frames * 4, uint64_t(rounds) * groups) << "not fewer frames than heartbeats";
    // Every frame but the first and last (partial intervals) carries all 20 groups.
    EXPECT_GE(items, (frames - 2) * groups) << "a frame should carry every group";
    EXPECT_EQ(after.messages_sent, before.messages_sent) << "heartbeats went out one by one";
    // The receiver got the heartbeat of every group, split back out of the batches.
    for (int g = 0; g < groups; ++g)
      EXPECT_GT(node(to).count([&](group_id gg, const raft::message& m) {
        return gg == group_id(g) && m.type == raft::msg_type::heartbeat && m.from == node_id{1} &&
               m.commit == offset_t{g};
      }),
                0u)
          << "group " << g;
  }
}

TEST_F(PeerLink, SilentPeerIsMarkedDownThenReconnectedWithBackoff) {
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); }));
  const std::string ep3 = members[2].endpoint;
  kill(node(3));
  const auto t0 = clock_type::now();
  ASSERT_TRUE(wait_until([&] { return !node(1).mesh->is_up(node_id{3}); }, 3000));
  const double down_after_ms =
      std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  // Within the timeout, plus a heartbeat interval of checking, plus scheduling slack.
  EXPECT_LE(down_after_ms, opts.timeout_ms + opts.heartbeat_ms + 250) << "slow to notice";
  EXPECT_TRUE(node(1).mesh->is_up(node_id{2})) << "a healthy peer was marked down";
  EXPECT_EQ(link(1, 3).went_down, 1u);

  // Away for a while: node 1 reopens its socket with a growing backoff (Paranoid Pirate).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto away = link(1, 3);
  EXPECT_GE(away.reconnects, 2u);
  EXPECT_LE(away.reconnects, 1500u / opts.timeout_ms + 1) << "reconnects without backoff";
  EXPECT_GT(away.backoff_ms, opts.reconnect_min_ms) << "backoff did not grow";
  EXPECT_LE(away.backoff_ms, opts.reconnect_max_ms);
  // Sending to a down peer is counted, not queued forever.
  const auto drops_before = away.unreachable_drops;
  ASSERT_TRUE(node(1).mesh->send(node_id{3}, 7, append_msg(1, 3, 0)).ok());
  ASSERT_TRUE(wait_until([&] { return link(1, 3).unreachable_drops > drops_before; }));

  // Node 3 returns on the same endpoint: both sides come up and messages flow again.
  start_server(node(3), ep3);
  start_mesh(node(3));
  ASSERT_TRUE(wait_until([&] { return all_up(); }, 5000)) << "node 3 did not come back up";
  EXPECT_EQ(link(1, 3).came_up, 2u);
  EXPECT_EQ(link(1, 3).backoff_ms, opts.reconnect_min_ms) << "backoff not reset";
  ASSERT_TRUE(node(1).mesh->send(node_id{3}, 7, append_msg(1, 3, 1)).ok());
  ASSERT_TRUE(node(3).mesh->send(node_id{1}, 7, append_msg(3, 1, 1)).ok());
  EXPECT_TRUE(wait_until([&] { return node(3).appends_from(1) == 1; }));
  EXPECT_TRUE(wait_until([&] { return node(1).appends_from(3) == 1; }));
}

/// Which of `n` messages 1 -> 2 (numbered from `first`) arrived, once the link is quiet.
std::vector<bool> delivered(test_node& to, int first, int n) {
  std::vector<bool> seen(n, false);
  std::lock_guard<std::mutex> lock(to.mu);
  for (auto& [g, m] : to.got)
    if (m.type == raft::msg_type::append && m.from == node_id{1} && int(g) >= first &&
        int(g) < first + n)
      seen[g - first] = true;
  return seen;
}

TEST_F(PeerLink, FaultSwitchDropsDuplicatesAndCutsAsConfiguredSeeded) {
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); }));
  // Off by default: nothing was touched while the links came up.
  for (int to : {2, 3}) {
    const auto s = link(1, to);
    EXPECT_EQ(s.fault_dropped + s.fault_duplicated + s.fault_delayed + s.fault_cut_outbound, 0u);
  }

  // Drop 30% of 1 -> 2, seed 5: exactly the messages the switch counts as dropped are lost,
  // and the same seed loses the same messages again.
  fault_config drop;
  drop.drop = 0.3;
  drop.seed = 5;
  std::vector<bool> runs[2];
  for (int run = 0; run < 2; ++run) {
    ASSERT_TRUE(node(1).mesh->set_faults(node_id{2}, drop).ok());
    const auto before = link(1, 2);
    const int first = 1000 * (run + 1), n = 300;
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(node(1).mesh->send(node_id{2}, group_id(first + i), append_msg(1, 2, i)).ok());
    ASSERT_TRUE(
        wait_until([&] { return link(1, 2).messages_sent - before.messages_sent == uint64_t(n); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto after = link(1, 2);
    const uint64_t dropped = after.fault_dropped - before.fault_dropped;
    runs[run] = delivered(node(2), first, n);
    const auto got = std::count(runs[run].begin(), runs[run].end(), true);
    EXPECT_EQ(uint64_t(got), n - dropped) << "run " << run;
    EXPECT_GE(dropped, 60u);
    EXPECT_LE(dropped, 120u);
  }
  EXPECT_EQ(runs[0], runs[1]) << "the same seed dropped different messages";

  // Duplicate everything 1 -> 3.
  fault_config dup;
  dup.duplicate = 1.0;
  ASSERT_TRUE(node(1).mesh->set_faults(node_id{3}, dup).ok());
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(node(1).mesh->send(node_id{3}, 1, append_msg(1, 3, i)).ok());
  EXPECT_TRUE(wait_until([&] { return node(3).appends_from(1) == 100; }));
  EXPECT_EQ(link(1, 3).fault_duplicated, 50u);

  // Cut 1 -> 2 outbound only: 2 stops hearing 1 (down), 1 still hears 2 (up); 2 -> 1 works.
  node(1).mesh->clear_faults();
  fault_config cut;
  cut.cut_outbound = true;
  ASSERT_TRUE(node(1).mesh->set_faults(node_id{2}, cut).ok());
  const size_t at2 = node(2).appends_from(1), at1 = node(1).appends_from(2);
  ASSERT_TRUE(wait_until([&] { return !node(2).mesh->is_up(node_id{1}); }, 3000));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(node(1).mesh->send(node_id{2}, 1, append_msg(1, 2, i)).ok());
    ASSERT_TRUE(node(2).mesh->send(node_id{1}, 1, append_msg(2, 1, i)).ok());
  }
  EXPECT_TRUE(wait_until([&] { return node(1).appends_from(2) == at1 + 20; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(node(2).appends_from(1), at2) << "a cut link delivered";
  EXPECT_TRUE(node(1).mesh->is_up(node_id{2}));
  EXPECT_GE(link(1, 2).fault_cut_outbound, 20u);

  // Cut inbound on node 1 from 3: 3's frames are discarded on arrival and counted.
  fault_config cut_in;
  cut_in.cut_inbound = true;
  ASSERT_TRUE(node(1).mesh->set_faults(node_id{3}, cut_in).ok());
  const size_t from3 = node(1).appends_from(3);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(node(3).mesh->send(node_id{1}, 1, append_msg(3, 1, i)).ok());
  EXPECT_TRUE(wait_until([&] { return !node(1).mesh->is_up(node_id{3}); }, 3000));
  EXPECT_EQ(node(1).appends_from(3), from3);
  EXPECT_GE(node(1).mesh->stats().cut_inbound, 10u);

  // Healed: everything flows again.
  node(1).mesh->clear_faults();
  ASSERT_TRUE(wait_until([&] { return all_up(); }, 5000));
  ASSERT_TRUE(node(1).mesh->send(node_id{2}, 1, append_msg(1, 2, 99)).ok());
  EXPECT_TRUE(wait_until([&] { return node(2).appends_from(1) == at2 + 1; }));

  // Bad settings are refused with the reason.
  fault_config bad;
  bad.drop = 1.5;
  auto st = node(1).mesh->set_faults(node_id{2}, bad);
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_NE(st.message().find("drop"), std::string::npos);
}

TEST_F(PeerLink, FaultSwitchDelaysAndReordersWithoutLosing) {
  start_cluster(2);
  ASSERT_TRUE(wait_until([&] { return all_up(); }));
  // Every message 1 -> 2 held 150 ms.
  fault_config slow;
  slow.delay = 1.0;
  slow.delay_min_ms = slow.delay_max_ms = 150;
  ASSERT_TRUE(node(1).mesh->set_faults(node_id{2}, slow).ok());
  const auto t0 = clock_type::now();
  ASSERT_TRUE(node(1).mesh->send(node_id{2}, 1, append_msg(1, 2, 0)).ok());
  ASSERT_TRUE(wait_until([&] { return node(2).appends_from(1) == 1; }));
  EXPECT_GE(clock_type::now() - t0, std::chrono::milliseconds(140)) << "not delayed";
  EXPECT_EQ(link(1, 2).fault_delayed, 1u);

  // Half of 100 messages held up to 30 ms: all arrive, some overtaken by later ones.
  fault_config shuffle;
  shuffle.reorder = 0.5;
  shuffle.reorder_window_ms = 30;
  shuffle.seed = 11;
  ASSERT_TRUE(node(1).mesh->set_faults(node_id{2}, shuffle).ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(node(1).mesh->send(node_id{2}, group_id(10 + i), append_msg(1, 2, i)).ok());
    if (i % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(wait_until([&] { return node(2).appends_from(1) == 101; }));
  std::vector<group_id> order;
  {
    std::lock_guard<std::mutex> lock(node(2).mu);
    for (auto& [g, m] : node(2).got)
      if (m.type == raft::msg_type::append && g >= 10) order.push_back(g);
  }
  ASSERT_EQ(order.size(), 100u);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end())) << "nothing was reordered";
  std::sort(order.begin(), order.end());
  EXPECT_EQ(std::unique(order.begin(), order.end()), order.end()) << "a message came twice";
  EXPECT_GE(link(1, 2).fault_reordered, 30u);
}

} // namespace
} // namespace pinpipe::transport
