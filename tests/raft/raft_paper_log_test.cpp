// The Raft core, rule by rule: log replication, commitment, truncation, log_start
// resets and client idempotence (Raft paper 5.3, 5.4, 8). Elections are in
// raft_paper_test.cpp; both build the raft_paper_test executable.
#include <gtest/gtest.h>

#include "raft_harness.hpp"

namespace pinpipe::raft::testing {
namespace {

// ---- 5.3: log replication ------------------------------------------------------------

TEST(RaftPaper, NewLeaderAppendsNoopBatchOfItsTerm) {
  harness h(3);
  h.elect(1);
  ASSERT_EQ(h.at(1).state(), role::leader);
  const auto& es = h.at(1).log().entries();
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, entry_kind::noop);
  EXPECT_EQ(es[0].term, h.at(1).term());
  EXPECT_EQ(h.at(1).commit(), off(0)) << "the no-op commits once a majority persisted it";
  for (int i = 2; i <= 3; ++i) EXPECT_EQ(h.at(i).log().entries(), es);
}

TEST(RaftPaper, EntryIndexIsLastOffsetOfTheBatch) {
  harness h(3);
  h.elect(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 10)).ok());
  h.pump();
  const auto& es = h.at(1).log().entries();
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[1].base, off(1));
  EXPECT_EQ(es[1].last, off(10));
  EXPECT_EQ(h.at(1).commit(), off(10));
  auto apps = h.sent_of(msg_type::append);
  bool saw = false;
  for (auto& m : apps)
    if (!m.entries.empty() && m.entries[0].base == off(1)) {
      saw = true;
      EXPECT_EQ(m.prev_last, off(0)) << "prev = (last offset, term) of the batch before";
      EXPECT_EQ(m.prev_term, h.at(1).term());
    }
  EXPECT_TRUE(saw);
}

TEST(RaftPaper, FollowerAcksOnlyPersistedEntries) {
  harness h(3);
  h.elect(1);
  h.pause_disk(2);
  h.pause_disk(3);
  h.sent().clear();
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 3)).ok());
  h.pump();
  h.tick_all(12); // heartbeats make the leader resend: the follower must still wait
  for (auto& m : h.sent_of(msg_type::append_response))
    EXPECT_LT(m.match, off(1)) << "acknowledged " << to_string(m) << " before its fsync";
  EXPECT_EQ(h.at(1).commit(), off(0)) << "nothing new commits while followers have not fsynced";
  h.resume_disk(2);
  h.pump();
  EXPECT_EQ(h.at(1).commit(), off(3)) << "leader + one persisted follower is a majority";
}

TEST(RaftPaper, AcksAllAtCommitAndAcksOneAtAppend) {
  harness h(3);
  h.elect(1);
  h.pause_disk(2);
  h.pause_disk(3);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 1, acks_mode::leader)).ok());
  ASSERT_TRUE(h.at(1).propose(make_proposal(2, 1, acks_mode::all)).ok());
  h.pump();
  ASSERT_EQ(h.acks(1).size(), 1u);
  EXPECT_EQ(h.acks(1)[0].id, 1u) << "acks=1 answered at the leader's append";
  h.resume_disk(2);
  h.pump();
  ASSERT_EQ(h.acks(1).size(), 2u);
  EXPECT_EQ(h.acks(1)[1].id, 2u);
  EXPECT_EQ(h.acks(1)[1].code, errc::ok);
  EXPECT_EQ(h.acks(1)[1].last, off(2));
}

TEST(RaftPaper, FollowerCommitsUpToLeaderCommit) {
  harness h(3);
  h.elect(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 4)).ok());
  h.pump();
  h.tick_all(5); // a heartbeat carries the commit index
  EXPECT_EQ(h.at(2).commit(), off(4));
  EXPECT_EQ(h.at(3).commit(), off(4));
}

TEST(RaftPaper, FollowerCommitIsBoundedByWhatTheAppendVerified) {
  // The follower's tail after the entries of this append may still be a divergent one
  // from an old leader: the leader's commit index says nothing about it yet.
  durable_state d;
  d.hard.term = trm(1);
  d.entries = {make_entry(0, 0, 1), make_entry(1, 1, 1), make_entry(2, 3, 1, "old")};
  node n(make_config(1, 3), d);
  n.step(append_msg(2, 1, 2, -1, 0, {make_entry(0, 0, 1)}, 5));
  EXPECT_EQ(n.commit(), off(0)) << "committed past the entries the append carried";
  EXPECT_EQ(n.log().last(), off(3)) << "matching entries do not truncate";
}

TEST(RaftPaper, FollowerRejectsAppendWhosePrevDoesNotMatch) {
  durable_state d;
  d.hard.term = trm(2);
  d.entries = {make_entry(0, 4, 1), make_entry(5, 7, 2)};
  node n(make_config(1, 3), d);
  n.step(append_msg(2, 1, 3, 7, 3, {make_entry(8, 8, 3)}, 8)); // prev term differs
  n.step(append_msg(2, 1, 3, 9, 2, {make_entry(10, 10, 3)}, 8)); // prev beyond our log
  n.step(append_msg(2, 1, 3, 5, 2, {}, 8));                      // prev mid-batch
  EXPECT_EQ(n.log().last(), off(7));
  EXPECT_EQ(n.commit(), off(-1));
  ready rd = n.take_ready();
  auto r = messages_of(rd, msg_type::append_response);
  ASSERT_EQ(r.size(), 3u);
  for (auto& m : r) EXPECT_TRUE(m.reject) << to_string(m);
  EXPECT_EQ(r[0].hint, off(4)) << "skips back over the batch of the newer term";
  EXPECT_EQ(r[1].hint, off(7)) << "our last offset";
  EXPECT_EQ(r[2].hint, off(4)) << "the boundary before the batch containing prev";
}

TEST(RaftPaper, DivergentFollowerTailIsTruncated) {
  // Follower 2 holds [0] t1, [1-3] t2 (never committed); nodes 1 and 3 hold [0] t1. Node 1
  // wins term 3 and writes [1] no-op, [2-3]. Node 2 ends with the leader's log exactly,
  // on its disk too.
  harness h(3);
  durable_state base, div;
  base.hard.term = trm(2);
  base.entries = {make_entry(0, 0, 1, "a")};
  div.hard.term = trm(2);
  div.entries = {make_entry(0, 0, 1, "a"), make_entry(1, 3, 2, "y")};
  h.start(1, base);
  h.start(2, div);
  h.start(3, base);
  h.isolate(2);
  h.elect(1);
  ASSERT_EQ(h.at(1).state(), role::leader);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 2)).ok());
  h.pump();
  h.heal();
  h.tick_all(10);
  EXPECT_EQ(h.at(2).log().entries(), h.at(1).log().entries());
  EXPECT_EQ(h.disk(2).entries, h.at(1).log().entries()) << "the truncation reached the disk";
  EXPECT_EQ(h.at(2).commit(), h.at(1).commit());
}

TEST(RaftPaper, LeaderBringsEveryKindOfFollowerLogInLine) {
  // Figure 7 in batches: followers that miss entries, hold extra uncommitted ones, or both.
  std::vector<std::vector<entry>> follower_logs = {
      {make_entry(0, 1, 1)},
      {make_entry(0, 1, 1), make_entry(2, 4, 1), make_entry(5, 5, 2)},
      {make_entry(0, 1, 1), make_entry(2, 2, 2), make_entry(3, 7, 2)},
      {make_entry(0, 0, 1)},
      {},
  };
  for (const auto& fl : follower_logs) {
    harness h(3);
    durable_state ld, fd, other;
    ld.hard.term = trm(3);
    ld.entries = {make_entry(0, 1, 1), make_entry(2, 4, 1), make_entry(5, 6, 3)};
    fd.hard.term = trm(3);
    fd.entries = fl;
    other = ld;
    h.start(1, ld);
    h.start(2, fd);
    h.start(3, other);
    h.elect(1);
    ASSERT_EQ(h.at(1).state(), role::leader);
    h.tick_all(10);
    EXPECT_EQ(h.at(2).log().entries(), h.at(1).log().entries()) << fl.size() << " entries";
  }
}

TEST(RaftPaper, LeaderOnlyCommitsEntriesFromItsTerm) {
  // Figure 8: the leader of term 3 holds [0] t1, [1] t2 and its no-op [2] t3. Node 2
  // reports offset 1 persisted: offset 1 (term 2) is on a majority, yet it is not
  // committed by counting. It commits together with the no-op once that is on a majority.
  durable_state d;
  d.hard.term = trm(2);
  d.entries = {make_entry(0, 0, 1), make_entry(1, 1, 2)};
  node n(make_config(1, 3), d);
  win_election(n);
  ASSERT_EQ(n.term(), trm(3));
  ready rd = n.take_ready();
  ASSERT_TRUE(rd.persist);
  n.persisted(rd.persist->id);
  EXPECT_EQ(n.persisted_offset(), off(2));
  n.step(ack_msg(2, 1, 3, 1));
  EXPECT_EQ(n.commit(), off(-1)) << "an entry of term 2 was committed by counting replicas";
  n.step(ack_msg(2, 1, 3, 2));
  EXPECT_EQ(n.commit(), off(2)) << "committed together with the no-op of term 3";
}

TEST(RaftPaper, FollowerBehindLogStartIsReset) {
  harness h(3);
  h.elect(1);
  h.isolate(3);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 5, acks_mode::all, 7, 0)).ok());
  h.pump();
  ASSERT_TRUE(h.at(1).propose(make_proposal(2, 5, acks_mode::all, 7, 5)).ok());
  h.pump();
  ASSERT_EQ(h.at(1).commit(), off(10));
  ASSERT_TRUE(h.at(1).compact(off(6)).ok()) << "retention deletes the first batches";
  EXPECT_EQ(h.at(1).log().log_start(), off(6));
  EXPECT_FALSE(h.at(1).compact(off(8)).ok()) << "not a batch boundary";
  h.heal();
  h.tick_all(10);
  const node& f = h.at(3);
  EXPECT_EQ(f.log().log_start(), off(6)) << "the follower starts again at the leader's log_start";
  EXPECT_EQ(f.log().entries(), h.at(1).log().entries());
  EXPECT_EQ(h.disk(3).log_start, off(6));
  // The producer state travelled with the reset: a retry of the first batch is a duplicate.
  auto c = f.producers().check(7, 0, 5);
  EXPECT_EQ(c.v, producer_table::verdict::duplicate);
}

// ---- 8: clients, idempotence -----------------------------------------------------------

TEST(RaftPaper, ProposalOnFollowerIsRejectedWithLeaderHint) {
  harness h(3);
  h.elect(1);
  status st = h.at(2).propose(make_proposal(1));
  EXPECT_EQ(st.code(), errc::not_leader);
  EXPECT_NE(st.message().find("node 1"), std::string::npos) << st.message();
}

TEST(RaftPaper, RetryAfterFailoverIsRecognisedAsDuplicate) {
  harness h(3);
  h.elect(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 3, acks_mode::all, 42, 0)).ok());
  h.pump();
  ASSERT_EQ(h.acks(1).size(), 1u);
  offset_t base = h.acks(1)[0].base;
  h.isolate(1);
  h.tick_all(150);
  int l = leader_of(h, {2, 3});
  ASSERT_NE(l, 0) << "a new leader is elected without node 1";
  ASSERT_TRUE(h.at(l).propose(make_proposal(2, 3, acks_mode::all, 42, 0)).ok());
  h.pump();
  ASSERT_EQ(h.acks(l).size(), 1u);
  EXPECT_TRUE(h.acks(l)[0].duplicate);
  EXPECT_EQ(h.acks(l)[0].base, base) << "answered with the original offsets";
  EXPECT_EQ(h.at(l).log().entries().size(), 3u) << "no-op, batch, no-op: nothing duplicated";
}

TEST(RaftPaper, OutOfOrderSequenceIsRejected) {
  harness h(3);
  h.elect(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 2, acks_mode::all, 9, 0)).ok());
  status st = h.at(1).propose(make_proposal(2, 1, acks_mode::all, 9, 5));
  EXPECT_EQ(st.code(), errc::out_of_order_sequence);
  EXPECT_NE(st.message().find("expected is 2"), std::string::npos) << st.message();
}

TEST(RaftPaper, LostLeadershipAnswersPendingProposalsAsNotLeader) {
  harness h(3);
  h.elect(1);
  h.isolate(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1)).ok());
  h.pump();
  h.at(1).step(append_msg(2, 1, h.at(1).term().value + 1, -1, 0, {}, -1));
  h.pump();
  ASSERT_EQ(h.acks(1).size(), 1u);
  EXPECT_EQ(h.acks(1)[0].code, errc::not_leader) << "outcome unknown: the client retries";
}

} // namespace
} // namespace pinpipe::raft::testing
