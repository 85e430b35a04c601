// The Raft core, rule by rule (Raft paper sections 5.1-5.4 and 8, thesis 9.6 and 3.10),
// in the style of etcd's raft_paper_test.go. Each test drives raft::node instances through
// tests/raft/raft_harness.hpp and checks one rule.
#include <gtest/gtest.h>

#include <set>

#include "raft_harness.hpp"

namespace pinpipe::raft::testing {
namespace {

message append_msg(int from, int to, int64_t term, int64_t prev_last, int64_t prev_term,
                   std::vector<entry> entries, int64_t commit) {
  message m;
  m.type = msg_type::append;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.prev_last = off(prev_last);
  m.prev_term = trm(prev_term);
  m.entries = std::move(entries);
  m.commit = off(commit);
  return m;
}

message vote_msg(int from, int to, int64_t term, int64_t last, int64_t last_term,
                 msg_type type = msg_type::vote) {
  message m;
  m.type = type;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.last_offset = off(last);
  m.last_term = trm(last_term);
  return m;
}

std::vector<message> messages_of(ready& rd, msg_type t) {
  std::vector<message> out;
  for (auto& m : rd.messages)
    if (m.type == t) out.push_back(m);
  return out;
}

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

/// Makes a node restored from `d` the leader of the next term with votes from node 2.
void win_election(node& n) {
  for (int i = 0; i < 100 && n.state() == role::follower; ++i) n.tick();
  ASSERT_EQ(n.state(), role::pre_candidate);
  message pv;
  pv.type = msg_type::pre_vote_response;
  pv.from = nid(2);
  pv.to = n.id();
  pv.term = trm(n.term().value + 1);
  n.step(pv);
  ASSERT_EQ(n.state(), role::candidate);
  message v = pv;
  v.type = msg_type::vote_response;
  v.term = n.term();
  n.step(v);
  ASSERT_EQ(n.state(), role::leader);
}

message ack_msg(int from, int to, int64_t term, int64_t match) {
  message m;
  m.type = msg_type::append_response;
  m.from = nid(from);
  m.to = nid(to);
  m.term = trm(term);
  m.match = off(match);
  return m;
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

int leader_of(harness& h, std::initializer_list<int> ids) {
  for (int i : ids)
    if (h.at(i).state() == role::leader) return i;
  return 0;
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
}

} // namespace
} // namespace pinpipe::raft::testing
