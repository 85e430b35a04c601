// The node-to-node encoding (messages/raft_wire.hpp): every raft message type round trips,
// damaged or newer input is an error value (never a crash), heartbeats batch per node pair.
#include "messages/raft_wire.hpp"

#include <random>
#include <set>

#include <gtest/gtest.h>

namespace pinpipe::messages {
namespace {

using raft::msg_type;

raft::entry sample_entry(int64_t base, int64_t last, int64_t term, std::string payload) {
  raft::entry e;
  e.base = offset_t{base};
  e.last = offset_t{last};
  e.term = term_t{term};
  e.producer_id = 77;
  e.base_sequence = 12;
  e.payload = std::move(payload);
  return e;
}

/// One message of every type, each with every field its type uses set to a non-default.
std::vector<raft::message> samples() {
  std::vector<raft::message> out;
  auto base = [](msg_type t) {
    raft::message m;
    m.type = t;
    m.from = node_id{1};
    m.to = node_id{3};
    m.term = term_t{9};
    return m;
  };
  auto ap = base(msg_type::append);
  ap.prev_last = offset_t{99};
  ap.prev_term = term_t{8};
  ap.entries.push_back(sample_entry(100, 109, 9, std::string("batch\0bytes", 11)));
  auto noop = sample_entry(110, 110, 9, "");
  noop.kind = raft::entry_kind::noop;
  noop.producer_id = -1;
  noop.base_sequence = -1;
  ap.entries.push_back(noop);
  ap.commit = offset_t{95};
  ap.reset = true;
  raft::producer_state ps;
  ps.producer_id = 5;
  ps.recent.push_back({0, 9, offset_t{10}, offset_t{19}});
  ps.recent.push_back({10, 14, offset_t{40}, offset_t{44}});
  ap.producers.push_back(ps);
  out.push_back(ap);
  auto ok = base(msg_type::append_response);
  ok.match = offset_t{110};
  out.push_back(ok);
  auto rej = base(msg_type::append_response);
  rej.reject = true;
  rej.rejected_prev = offset_t{99};
  rej.hint = raft::no_offset; // the extreme value travels too
  out.push_back(rej);
  auto hb = base(msg_type::heartbeat);
  hb.commit = offset_t{1234567890123};
  out.push_back(hb);
  out.push_back(base(msg_type::heartbeat_response));
  for (auto t : {msg_type::pre_vote, msg_type::vote}) {
    auto v = base(t);
    v.last_offset = offset_t{500};
    v.last_term = term_t{7};
    v.transfer = true;
    out.push_back(v);
  }
  for (auto t : {msg_type::pre_vote_response, msg_type::vote_response}) {
    auto v = base(t);
    v.reject = true;
    out.push_back(v);
  }
  out.push_back(base(msg_type::timeout_now));
  return out;
}

heartbeat_batch sample_batch() {
  heartbeat_batch b;
  b.cluster = "prod-eu";
  b.from = node_id{2};
  b.to = node_id{1};
  b.seq = 41;
  for (uint64_t g = 0; g < 20; ++g)
    b.beats.push_back({1, g, term_t{int64_t(g + 3)}, offset_t{int64_t(g * 100)}});
  b.replies.push_back({1, 7, term_t{4}, raft::no_offset});
  return b;
}

TEST(RaftWire, EveryMessageTypeRoundTrips) {
  auto all = samples();
  std::set<msg_type> types;
  for (const auto& m : all) {
    auto back = decode_raft_message(encode_raft_message(m));
    ASSERT_TRUE(back.ok()) << raft::to_string(m) << ": " << back.error().to_string();
    EXPECT_EQ(*back, m) << raft::to_string(m);
    types.insert(m.type);

    peer_message pm;
    pm.cluster = "c1";
    pm.from = m.from;
    pm.to = m.to;
    pm.group = 0xfedcba9876543210ULL;
    pm.message = m;
    auto pback = decode_peer_message(encode_peer_message(pm));
    ASSERT_TRUE(pback.ok()) << pback.error().to_string();
    EXPECT_EQ(*pback, pm);
  }
  EXPECT_EQ(types.size(), 9u) << "a raft message type has no sample";
}

TEST(RaftWire, HeartbeatBatchRoundTrips) {
  auto b = sample_batch();
  auto back = decode_heartbeat_batch(encode_heartbeat_batch(b));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, b);
  heartbeat_batch empty;
  auto eback = decode_heartbeat_batch(encode_heartbeat_batch(empty));
  ASSERT_TRUE(eback.ok());
  EXPECT_EQ(*eback, empty);
}

// The worked example of docs/wire-protocol.md ("Node-to-node messages").
TEST(RaftWire, WorkedHeartbeatExampleEncodesToTheDocumentedBytes) {
  heartbeat_batch b;
  b.cluster = "c";
  b.from = node_id{1};
  b.to = node_id{2};
  b.seq = 7;
  b.beats.push_back({1, 3, term_t{5}, offset_t{42}});
  const std::string expected("\x97\x01\xa1"
                             "c"
                             "\x01\x02\x07\x91\x94\x01\x03\x05\x2a\x90",
                             14);
  EXPECT_EQ(encode_heartbeat_batch(b), expected);
}

template <class Decode> void expect_every_truncation_fails(const std::string& bytes, Decode d) {
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = d(std::string_view(bytes.data(), n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " of " << bytes.size() << " bytes decoded";
    EXPECT_EQ(r.error().code(), errc::malformed_message) << r.error().to_string();
  }
}

TEST(RaftWire, EveryTruncationIsMalformed) {
  for (const auto& m : samples()) {
    expect_every_truncation_fails(encode_raft_message(m), decode_raft_message);
    peer_message pm;
    pm.cluster = "c";
    pm.message = m;
    expect_every_truncation_fails(encode_peer_message(pm), decode_peer_message);
  }
  expect_every_truncation_fails(encode_heartbeat_batch(sample_batch()), decode_heartbeat_batch);
}

TEST(RaftWire, RandomGarbageIsAnErrorNeverACrash) {
  std::mt19937_64 rng(20261204);
  int errors = 0;
  const int rounds = 20000;
  for (int i = 0; i < rounds; ++i) {
    std::string junk(1 + rng() % 200, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    auto a = decode_raft_message(junk);
    auto b = decode_peer_message(junk);
    auto c = decode_heartbeat_batch(junk);
    errors += !a.ok() + !b.ok() + !c.ok();
    if (!a.ok()) {
      EXPECT_NE(a.error().message(), "");
    }
  }
  EXPECT_EQ(errors, 3 * rounds);
}

TEST(RaftWire, FlippedBytesOfValidMessagesNeverCrash) {
  std::mt19937_64 rng(7);
  const auto all = samples();
  int decoded = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    peer_message pm;
    pm.cluster = "c";
    pm.message = all[rng() % all.size()];
    auto bytes = encode_peer_message(pm);
    for (int k = 0; k < 1 + int(rng() % 3); ++k)
      bytes[rng() % bytes.size()] = char(rng());
    auto r = decode_peer_message(bytes);
    (r.ok() ? decoded : refused)++;
  }
  EXPECT_GT(refused, 1000); // most damage is caught (types, enum ranges, lengths)
  EXPECT_GT(decoded + refused, 0);
}

TEST(RaftWire, FutureVersionIsUnsupportedNotMalformed) {
  auto m = samples()[0];
  m.version = 2;
  auto r = decode_raft_message(encode_raft_message(m));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unsupported_version);
  EXPECT_NE(r.error().message().find("version 2"), std::string::npos) << r.error().message();

  peer_message pm;
  pm.version = 3;
  auto p = decode_peer_message(encode_peer_message(pm));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), errc::unsupported_version);

  heartbeat_batch hb = sample_batch();
  hb.beats[5].version = 9; // a nested struct of a newer writer
  auto h = decode_heartbeat_batch(encode_heartbeat_batch(hb));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code(), errc::unsupported_version);
  EXPECT_NE(h.error().message().find("heartbeat item"), std::string::npos);

  // A nested entry of a newer version inside an otherwise current message.
  auto bytes = encode_raft_message(samples()[0]);
  auto at = bytes.find("\x98\x01", 0, 2); // the first entry: array of 8, version 1
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = 2;
  auto e = decode_raft_message(bytes);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), errc::unsupported_version);

  auto zero = samples()[3];
  zero.version = 0;
  auto z = decode_raft_message(encode_raft_message(zero));
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code(), errc::malformed_message);
}

TEST(RaftWire, UnknownEnumValuesAreMalformed) {
  auto m = samples()[4]; // heartbeat_response
  auto bytes = encode_raft_message(m);
  // 18 fields: array16 header (dc 00 12), version 01, then the type.
  ASSERT_EQ(bytes[4], char(4));
  bytes[4] = 42;
  auto r = decode_raft_message(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::malformed_message);
  EXPECT_NE(r.error().message().find("type 42"), std::string::npos) << r.error().message();
}

TEST(RaftWire, OlderAndNewerWritersOfTheSameVersionInteroperate) {
  // Missing trailing fields keep their defaults: a writer that stopped after `term`.
  std::string older("\x95\x01\x03\x01\x02\x07", 6); // [1, heartbeat, from 1, to 2, term 7]
  auto r = decode_raft_message(older);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->type, msg_type::heartbeat);
  EXPECT_EQ(r->term, term_t{7});
  EXPECT_EQ(r->commit, raft::no_offset);
  // An appended field the reader does not know is ignored.
  heartbeat_batch b;
  b.cluster = "c";
  auto bytes = encode_heartbeat_batch(b);
  ASSERT_EQ(uint8_t(bytes[0]), 0x97u);
  bytes[0] = char(0x98);
  bytes.push_back(char(0xc3)); // true
  auto h = decode_heartbeat_batch(bytes);
  ASSERT_TRUE(h.ok()) << h.error().to_string();
  EXPECT_EQ(*h, b);
}

TEST(RaftWire, HeartbeatsOfManyGroupsBecomeOneBatchAndSplitBack) {
  heartbeat_batch b;
  b.from = node_id{1};
  b.to = node_id{2};
  for (uint64_t g = 0; g < 20; ++g) {
    raft::message hb;
    hb.type = msg_type::heartbeat;
    hb.from = node_id{1};
    hb.to = node_id{2};
    hb.term = term_t{1};
    hb.commit = offset_t{int64_t(g)};
    add_heartbeat(b, g, hb);
    hb.term = term_t{2}; // a newer heartbeat of the same group replaces the first
    add_heartbeat(b, g, hb);
  }
  raft::message rsp;
  rsp.type = msg_type::heartbeat_response;
  rsp.from = node_id{1};
  rsp.to = node_id{2};
  rsp.term = term_t{6};
  add_heartbeat(b, 99, rsp);
  raft::message vote;
  vote.type = msg_type::vote;
  add_heartbeat(b, 5, vote); // not a heartbeat: ignored
  ASSERT_EQ(b.beats.size(), 20u);
  ASSERT_EQ(b.replies.size(), 1u);
  auto parts = split_heartbeats(*decode_heartbeat_batch(encode_heartbeat_batch(b)));
  ASSERT_EQ(parts.size(), 21u);
  for (uint64_t g = 0; g < 20; ++g) {
    EXPECT_EQ(parts[g].first, g);
    EXPECT_EQ(parts[g].second.type, msg_type::heartbeat);
    EXPECT_EQ(parts[g].second.term, term_t{2});
    EXPECT_EQ(parts[g].second.commit, offset_t{int64_t(g)});
    EXPECT_EQ(parts[g].second.from, node_id{1});
    EXPECT_EQ(parts[g].second.to, node_id{2});
  }
  EXPECT_EQ(parts[20].first, 99u);
  EXPECT_EQ(parts[20].second, rsp);
}

} // namespace
} // namespace pinpipe::messages
