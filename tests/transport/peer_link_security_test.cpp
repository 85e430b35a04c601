// Node links refusing what they must (transport/peer_mesh.hpp), with real sockets on
// 127.0.0.1: malformed, future-version, foreign-cluster, unknown-node and misaddressed
// frames are counted and dropped without harming the links; with CURVE, a node without
// the cluster's keys (even one claiming a member's id) never gets a frame through.
#include "transport/peer_mesh.hpp"

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/transport/peer_cluster.hpp"
#include "transport/client.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test;
using PeerSecurity = PeerCluster;

messages::envelope node_envelope(messages::msg_type type, std::string payload) {
  messages::envelope env;
  env.type = type;
  env.source = "intruder";
  env.payload.data = std::move(payload);
  return env;
}

messages::peer_message valid_peer_message(int from, int to) {
  messages::peer_message pm;
  pm.cluster = "test-cluster";
  pm.from = node_id{from};
  pm.to = node_id{to};
  pm.group = 4;
  pm.message = append_msg(from, to, 0);
  return pm;
}

TEST_F(PeerSecurity, MalformedFutureAndForeignFramesAreCountedNotFatal) {
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); }));
  client_options co;
  co.endpoint = members[0].endpoint;
  auto c = client::connect(co);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  using mt = messages::msg_type;

  // Malformed: garbage, a truncated heartbeat batch, a raft message whose sender differs
  // from the envelope's.
  ASSERT_TRUE((*c)->send(node_envelope(mt::raft_message, "\xc1\xff not msgpack")).ok());
  messages::heartbeat_batch hb;
  hb.cluster = "test-cluster";
  hb.from = node_id{2};
  hb.to = node_id{1};
  auto hb_bytes = messages::encode_heartbeat_batch(hb);
  ASSERT_TRUE((*c)->send(node_envelope(mt::heartbeat_batch, hb_bytes.substr(0, 5))).ok());
  auto forged = valid_peer_message(2, 1);
  forged.message.from = node_id{3};
  ASSERT_TRUE(
      (*c)->send(node_envelope(mt::raft_message, messages::encode_peer_message(forged))).ok());
  // Future versions, of the wrapper and of the raft message inside.
  auto future = valid_peer_message(2, 1);
  future.version = messages::raft_wire_version + 1;
  ASSERT_TRUE(
      (*c)->send(node_envelope(mt::raft_message, messages::encode_peer_message(future))).ok());
  auto inner = valid_peer_message(2, 1);
  inner.message.version = 7;
  ASSERT_TRUE(
      (*c)->send(node_envelope(mt::raft_message, messages::encode_peer_message(inner))).ok());
  // Another cluster, a node id that is not a member, a frame for another node.
  auto other = valid_peer_message(2, 1);
  other.cluster = "someone-else";
  ASSERT_TRUE(
      (*c)->send(node_envelope(mt::raft_message, messages::encode_peer_message(other))).ok());
  ASSERT_TRUE((*c)->send(node_envelope(mt::raft_message,
                                       messages::encode_peer_message(valid_peer_message(9, 1))))
                  .ok());
  hb.from = node_id{42};
  ASSERT_TRUE(
      (*c)->send(node_envelope(mt::heartbeat_batch, messages::encode_heartbeat_batch(hb))).ok());
  ASSERT_TRUE((*c)->send(node_envelope(mt::raft_message,
                                       messages::encode_peer_message(valid_peer_message(2, 3))))
                  .ok());
  // Bytes that are not even an envelope: the server answers them itself.
  ASSERT_TRUE((*c)->send_raw(std::string("\x00\x01garbage", 9)).ok());

  auto& mesh = *node(1).mesh;
  ASSERT_TRUE(wait_until([&] {
    auto s = mesh.stats();
    return s.malformed + s.unsupported_version + s.wrong_cluster + s.unknown_node +
               s.misaddressed >=
           9;
  }));
  auto s = mesh.stats();
  EXPECT_EQ(s.malformed, 3u);
  EXPECT_EQ(s.unsupported_version, 2u);
  EXPECT_EQ(s.wrong_cluster, 1u);
  EXPECT_EQ(s.unknown_node, 2u);
  EXPECT_EQ(s.misaddressed, 1u);
  auto reply = (*c)->receive(2000); // the server's answer to the raw garbage
  ASSERT_TRUE(reply.ok()) << reply.error().to_string();
  EXPECT_EQ(reply->type, mt::error_response);
  EXPECT_EQ(node(1).appends_from(2), 0u) << "a refused frame was delivered";
  EXPECT_EQ(node(1).appends_from(9), 0u);

  // The links are unharmed: node 2's real messages still arrive, and all stay up.
  ASSERT_TRUE(node(2).mesh->send(node_id{1}, 4, append_msg(2, 1, 0)).ok());
  EXPECT_TRUE(wait_until([&] { return node(1).appends_from(2) == 1; }));
  EXPECT_TRUE(all_up());
}

TEST_F(PeerSecurity, CurveNodeWithoutTheClusterKeysIsRefused) {
  opts.curve = true;
  start_cluster(3);
  ASSERT_TRUE(wait_until([&] { return all_up(); })) << "CURVE links did not come up";
  ASSERT_TRUE(node(2).mesh->send(node_id{1}, 1, append_msg(2, 1, 0)).ok());
  ASSERT_TRUE(node(1).mesh->send(node_id{3}, 1, append_msg(1, 3, 0)).ok());
  ASSERT_TRUE(wait_until([&] { return node(1).appends_from(2) == 1; }));
  ASSERT_TRUE(wait_until([&] { return node(3).appends_from(1) == 1; }));

  // An impostor claims to be node 2 and knows node 1's public key, but has its own key
  // pair, not node 2's; a second one speaks no CURVE at all.
  auto rogue_keys = make_curve_keypair();
  ASSERT_TRUE(rogue_keys.ok());
  std::vector<std::unique_ptr<peer_mesh>> rogues;
  for (bool with_curve : {true, false}) {
    link_settings ls = settings(2, with_curve ? *rogue_keys : curve_keypair{});
    if (!with_curve) ls.curve_public_key = ls.curve_secret_key = "";
    std::vector<peer_endpoint> ms = {
        members[0], {node_id{2}, "tcp://127.0.0.1:1", with_curve ? rogue_keys->public_key : ""}};
    auto m = peer_mesh::start(mesh_config{ls, ms}, nullptr);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    rogues.push_back(std::move(*m));
  }
  const uint64_t accepted_before = node(1).mesh->stats().accepted;
  const uint64_t from2_before = node(1).mesh->link(node_id{2})->frames_received;
  for (int i = 0; i < 50; ++i)
    for (auto& r : rogues)
      ASSERT_TRUE(r->send(node_id{1}, 1, append_msg(2, 1, 100 + i)).ok());
  ASSERT_TRUE(wait_until([&] { return node(1).srv->refused_clients() > 0; }))
      << "node 1's ZAP handler never refused the impostor";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (auto& r : rogues) {
    const auto rl = r->link(node_id{1});
    ASSERT_TRUE(rl.ok());
    EXPECT_EQ(rl->frames_sent, 0u) << "a frame left on a refused connection";
    EXPECT_GE(rl->unreachable_drops, 50u);
    EXPECT_FALSE(rl->up);
  }
  // Nothing of theirs reached node 1's mesh: only the real node 2's frames count.
  EXPECT_EQ(node(1).appends_from(2), 1u) << "an impostor's message was delivered";
  EXPECT_GE(node(1).mesh->stats().accepted, accepted_before);
  EXPECT_GE(node(1).mesh->link(node_id{2})->frames_received, from2_before);
  EXPECT_TRUE(all_up());
}

TEST(PeerMeshConfig, BadConfigsAreRefusedWithTheReason) {
  mesh_config c;
  c.link.self = node_id{4};
  c.link.cluster = "c";
  c.members = {{node_id{1}, "tcp://127.0.0.1:7071", ""}, {node_id{2}, "tcp://127.0.0.1:7072", ""}};
  auto st = validate(c);
  EXPECT_EQ(st.code(), errc::invalid_config);
  EXPECT_NE(st.message().find("not in the cluster's member list"), std::string::npos);
  c.link.self = node_id{1};
  c.members.push_back({node_id{2}, "tcp://127.0.0.1:7073", ""});
  EXPECT_NE(validate(c).message().find("listed twice"), std::string::npos);
  c.members.pop_back();
  c.members[1].endpoint = "10.0.0.2:7070";
  EXPECT_NE(validate(c).message().find("ID@tcp://HOST:PORT"), std::string::npos);
  c.members[1].endpoint = "tcp://127.0.0.1:7072";
  EXPECT_TRUE(validate(c).ok());
  auto keys = make_curve_keypair();
  ASSERT_TRUE(keys.ok());
  c.link.curve_public_key = keys->public_key;
  c.link.curve_secret_key = keys->secret_key;
  EXPECT_NE(validate(c).message().find("no CURVE public key"), std::string::npos);
  c.link.peer_timeout_ms = c.link.heartbeat_interval_ms;
  EXPECT_NE(validate(c).message().find("longer than the interval"), std::string::npos);
}

} // namespace
} // namespace pinpipe::transport
