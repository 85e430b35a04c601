// The Raft core, rule by rule, in the style of etcd's raft_paper_test.go: terms and
// elections (Raft paper 5.1, 5.2, 5.4.1), pre-vote, check-quorum and leadership transfer
// (thesis 9.6, 6.2, 3.10). Log replication and clients are in raft_paper_log_test.cpp.
// Each test drives raft::node instances through tests/raft/raft_harness.hpp.
#include <gtest/gtest.h>

#include <set>

#include "raft_harness.hpp"

namespace pinpipe::raft::testing {
namespace {

// ---- 5.1: terms -----------------------------------------------------------------------

TEST(RaftPaper, StartsAsFollowerInTermZero) {
  node n(make_config(1, 3));
  EXPECT_EQ(n.state(), role::follower);
  EXPECT_EQ(n.term(), trm(0));
  EXPECT_EQ(n.leader(), no_node);
}

TEST(RaftPaper, FollowerUpdatesTermFromMessage) {
  node n(make_config(1, 3));
  n.step(append_msg(2, 1, 5, -1, 0, {}, -1));
  EXPECT_EQ(n.term(), trm(5));
  EXPECT_EQ(n.state(), role::follower);
  EXPECT_EQ(n.leader(), nid(2));
  ready rd = n.take_ready();
  ASSERT_TRUE(rd.persist && rd.persist->hard);
  EXPECT_EQ(rd.persist->hard->term, trm(5)) << "the new term is persisted";
}

TEST(RaftPaper, CandidateRevertsToFollowerOnHigherTerm) {
  harness h(3);
  config c = make_config(1, 3);
  c.pre_vote = false;
  h.start(1, {}, c);
  h.isolate(1);
  h.elect(1);
  ASSERT_EQ(h.at(1).state(), role::candidate);
  term_t t = h.at(1).term();
  h.at(1).step(append_msg(2, 1, t.value + 1, -1, 0, {}, -1));
  EXPECT_EQ(h.at(1).state(), role::follower);
  EXPECT_EQ(h.at(1).term(), trm(t.value + 1));
}

TEST(RaftPaper, LeaderStepsDownOnHigherTerm) {
  harness h(3);
  h.elect(1);
  ASSERT_EQ(h.at(1).state(), role::leader);
  term_t t = h.at(1).term();
  h.at(1).step(append_msg(2, 1, t.value + 1, -1, 0, {}, -1));
  EXPECT_EQ(h.at(1).state(), role::follower);
  EXPECT_EQ(h.at(1).leader(), nid(2));
}

TEST(RaftPaper, StaleTermMessageIsRejectedWithCurrentTerm) {
  node n(make_config(1, 3));
  n.step(append_msg(2, 1, 5, -1, 0, {}, -1));
  n.take_ready();
  n.step(append_msg(3, 1, 3, -1, 0, {make_entry(0, 0, 3)}, -1));
  EXPECT_EQ(n.log().last(), off(-1)) << "a stale leader's entries are not taken";
  ready rd = n.take_ready();
  auto r = messages_of(rd, msg_type::append_response);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].to, nid(3));
  EXPECT_EQ(r[0].term, trm(5)) << "the stale leader learns the newer term and steps down";
}

// ---- 5.2: leader election --------------------------------------------------------------

TEST(RaftPaper, ElectionTimeoutStartsPreVoteWithoutRaisingTerm) {
  node n(make_config(1, 3));
  for (int i = 0; i < 60 && n.state() == role::follower; ++i) n.tick();
  EXPECT_EQ(n.state(), role::pre_candidate);
  EXPECT_EQ(n.term(), trm(0)) << "a pre-vote does not raise the term";
  ready rd = n.take_ready();
  auto pv = messages_of(rd, msg_type::pre_vote);
  ASSERT_EQ(pv.size(), 2u);
  EXPECT_EQ(pv[0].term, trm(1)) << "it asks for the next term";
}

TEST(RaftPaper, ElectionTimeoutsAreRandomizedWithinBounds) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    config c = make_config(1, 3);
    c.seed = seed;
    node n(c);
    int ticks = 0;
    while (n.state() == role::follower && ticks < 1000) {
      n.tick();
      ++ticks;
    }
    EXPECT_GE(ticks, c.election_ticks_min);
    EXPECT_LE(ticks, c.election_ticks_max);
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 5u) << "timeouts differ between nodes";
}

TEST(RaftPaper, CandidateWinsElectionWithMajority) {
  for (int n : {1, 3, 5}) {
    harness h(n);
    h.elect(1);
    EXPECT_EQ(h.at(1).state(), role::leader) << n << " nodes";
    EXPECT_EQ(h.at(1).term(), trm(1));
    for (int i = 2; i <= n; ++i) EXPECT_EQ(h.at(i).leader(), nid(1));
  }
}

TEST(RaftPaper, CandidateWinsWithMajorityDespiteMinorityDown) {
  harness h(5);
  h.isolate(4);
  h.isolate(5);
  h.elect(1);
  EXPECT_EQ(h.at(1).state(), role::leader);
}

TEST(RaftPaper, CandidateLosesWithoutMajority) {
  harness h(5);
  h.isolate(3), h.isolate(4), h.isolate(5);
  h.elect(1);
  EXPECT_NE(h.at(1).state(), role::leader);
  EXPECT_EQ(h.at(1).term(), trm(0)) << "a failed pre-vote leaves the term alone";
}

TEST(RaftPaper, VoterGrantsAtMostOneVotePerTerm) {
  node n(make_config(1, 3));
  n.step(vote_msg(2, 1, 1, -1, 0));
  n.step(vote_msg(3, 1, 1, -1, 0));
  ready rd = n.take_ready();
  auto r = messages_of(rd, msg_type::vote_response);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].reject);
  EXPECT_TRUE(r[1].reject) << "a second candidate in the same term is refused";
  EXPECT_EQ(n.vote(), nid(2));
}

TEST(RaftPaper, VoteIsPersistedBeforeTheResponseIsSent) {
  node n(make_config(1, 3));
  n.step(vote_msg(2, 1, 4, -1, 0));
  ready rd = n.take_ready();
  ASSERT_EQ(messages_of(rd, msg_type::vote_response).size(), 1u);
  ASSERT_TRUE(rd.persist && rd.persist->hard) << "the response's ready carries the vote";
  EXPECT_EQ(*rd.persist->hard, (hard_state{trm(4), nid(2)}));
}

TEST(RaftPaper, RestartKeepsTermAndVote) {
  harness h(3);
  h.at(1).step(vote_msg(2, 1, 4, -1, 0));
  h.pump();
  h.restart(1);
  EXPECT_EQ(h.at(1).term(), trm(4));
  EXPECT_EQ(h.at(1).vote(), nid(2));
  h.at(1).step(vote_msg(3, 1, 4, -1, 0));
  ready rd = h.at(1).take_ready();
  auto r = messages_of(rd, msg_type::vote_response);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].reject) << "no second vote in term 4 after a restart";
}

TEST(RaftPaper, CandidateRejectsVoteForStaleLog) {
  // Voter's log: [0-4] t2. A candidate whose last entry is older, or the same term but
  // shorter, does not get the vote (5.4.1).
  durable_state d;
  d.hard.term = trm(2);
  d.entries = {make_entry(0, 4, 2)};
  struct probe {
    int64_t last, last_term;
    bool granted;
  } probes[] = {{10, 1, false}, {3, 2, false}, {4, 2, true}, {9, 2, true}, {0, 3, true}};
  for (auto p : probes) {
    node n(make_config(1, 3), d);
    n.step(vote_msg(2, 1, 5, p.last, p.last_term));
    ready rd = n.take_ready();
    auto r = messages_of(rd, msg_type::vote_response);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(!r[0].reject, p.granted) << "candidate last=(" << p.last << ",t" << p.last_term << ")";
  }
}

TEST(RaftPaper, CandidateBecomesFollowerOnAppendFromLeaderOfSameTerm) {
  config c = make_config(1, 3);
  c.pre_vote = false;
  node n(c);
  for (int i = 0; i < 100 && n.state() == role::follower; ++i) n.tick();
  ASSERT_EQ(n.state(), role::candidate);
  n.step(append_msg(2, 1, n.term().value, -1, 0, {}, -1));
  EXPECT_EQ(n.state(), role::follower);
  EXPECT_EQ(n.leader(), nid(2));
}

// ---- thesis 9.6 and 6.2: pre-vote, check-quorum, leadership transfer ---------------

TEST(RaftPaper, PreVoteDoesNotDisruptHealthyLeader) {
  harness h(3);
  h.elect(1);
  term_t t = h.at(1).term();
  h.isolate(3);
  h.tick_all(200); // node 3 keeps timing out alone
  EXPECT_EQ(h.at(3).term(), t) << "pre-votes that fail do not raise the term";
  h.heal();
  h.tick_all(100);
  EXPECT_EQ(h.at(1).state(), role::leader);
  EXPECT_EQ(h.at(1).term(), t) << "the returning node did not depose the leader";
  EXPECT_EQ(h.at(3).leader(), nid(1));
}

TEST(RaftPaper, PreVoteRequestDoesNotChangeVoterTerm) {
  durable_state d;
  d.hard = {trm(2), nid(3)};
  node n(make_config(1, 3), d);
  n.step(vote_msg(2, 1, 3, 10, 2, msg_type::pre_vote));
  EXPECT_EQ(n.term(), trm(2)) << "a pre-vote request must not raise the voter's term";
  EXPECT_EQ(n.vote(), nid(3));
  ready rd = n.take_ready();
  EXPECT_FALSE(rd.persist) << "granting a pre-vote records nothing";
  auto r = messages_of(rd, msg_type::pre_vote_response);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].reject);
  EXPECT_EQ(r[0].term, trm(3)) << "granted for the term asked";
}

TEST(RaftPaper, VotersInLeaseIgnoreCandidates) {
  harness h(3);
  h.elect(1);
  term_t t = h.at(1).term();
  h.at(2).step(vote_msg(3, 2, t.value + 1, 100, t.value));
  h.pump();
  EXPECT_EQ(h.at(2).term(), t) << "a follower that just heard from its leader ignores the vote";
}

TEST(RaftPaper, CheckQuorumLeaderStepsDown) {
  harness h(3);
  h.elect(1);
  h.isolate(1);
  h.tick(1, 2 * make_config(1, 3).election_ticks_min);
  h.pump();
  EXPECT_NE(h.at(1).state(), role::leader) << "no majority heard within an election timeout";
  EXPECT_EQ(h.at(1).propose(make_proposal(1)).code(), errc::not_leader);
}

TEST(RaftPaper, LeadershipTransferHandsOverToTarget) {
  harness h(3);
  h.elect(1);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 2)).ok());
  h.pump();
  ASSERT_TRUE(h.at(1).transfer_leadership(nid(3)).ok());
  h.pump();
  EXPECT_EQ(h.at(3).state(), role::leader);
  EXPECT_EQ(h.at(1).state(), role::follower);
  EXPECT_EQ(h.at(1).leader(), nid(3));
  EXPECT_EQ(h.at(3).log().last(), off(3)) << "the target was caught up, then added its no-op";
}

TEST(RaftPaper, NoUncleanElectionOfReplicaMissingCommittedEntries) {
  harness h(3);
  h.elect(1);
  h.isolate(3);
  ASSERT_TRUE(h.at(1).propose(make_proposal(1, 5)).ok());
  h.pump();
  ASSERT_EQ(h.at(1).commit(), off(5));
  // Node 1 is cut off; node 3 misses offsets 1-5 and must never win: node 2 refuses it.
  h.heal();
  h.isolate(1);
  for (int i = 0; i < 300; ++i) {
    h.tick_all(1);
    ASSERT_NE(h.at(3).state(), role::leader) << "a replica lacking committed data was elected";
  }
  EXPECT_EQ(h.at(2).state(), role::leader);
  EXPECT_EQ(h.at(2).log().entries().size(), 3u);
}

TEST(RaftPaper, ConfigValidationNamesTheProblem) {
  config c = make_config(4, 3);
  status st = validate(c);
  EXPECT_EQ(st.code(), errc::invalid_config);
  EXPECT_NE(st.message().find("not among the group's voters"), std::string::npos);
  c = make_config(1, 3);
  c.election_ticks_min = 2;
  EXPECT_FALSE(validate(c).ok());
  EXPECT_TRUE(validate(make_config(1, 3)).ok());
}

TEST(RaftPaper, MessagesForOtherNodesOrVersionsAreDropped) {
  node n(make_config(1, 3));
  message m = append_msg(2, 1, 5, -1, 0, {}, -1);
  m.version = 2;
  n.step(m);
  m.version = 1;
  m.to = nid(3);
  n.step(m);
  m.to = nid(1);
  m.from = nid(9);
  n.step(m);
  EXPECT_EQ(n.term(), trm(0));
  EXPECT_FALSE(n.has_ready());
  EXPECT_EQ(n.dropped_messages(), 3u);
}

TEST(RaftPaper, MalformedMessagesAreDroppedNotFatal) {
  durable_state d;
  d.hard.term = trm(2);
  d.entries = {make_entry(0, 4, 1)};
  node n(make_config(1, 3), d);
  std::vector<message> bad;
  bad.push_back(append_msg(2, 1, 3, -5, 1, {}, 0));                          // prev below -1
  bad.push_back(append_msg(2, 1, 3, 4, 1, {make_entry(7, 8, 3)}, 0));        // gap after prev
  bad.push_back(append_msg(2, 1, 3, 4, 1, {make_entry(5, 4, 3)}, 0));        // last < base
  bad.push_back(append_msg(2, 1, 3, 4, 1, {make_entry(5, 5, 9)}, 0));        // term above msg
  bad.push_back(append_msg(2, 1, 3, 4, 1, {}, -7));                          // commit below -1
  message reset = append_msg(2, 1, 3, no_offset.value, 0, {}, 0);            // "no offset" prev
  reset.reset = true;
  bad.push_back(reset);
  bad.push_back(vote_msg(2, 1, 3, -9, 1));
  message ack;
  ack.type = msg_type::append_response;
  ack.from = nid(2);
  ack.to = nid(1);
  ack.term = trm(2);
  ack.match = off(-3);
  bad.push_back(ack);
  for (const message& m : bad) n.step(m);
  EXPECT_EQ(n.dropped_messages(), bad.size());
  EXPECT_EQ(n.term(), trm(2)) << "a dropped message has no effect";
  EXPECT_EQ(n.log().last(), off(4));
}

} // namespace
} // namespace pinpipe::raft::testing
