// A restarted follower catches up after 100 MB of writes, and CURVE on node links keeps a
// node without the cluster's keys out (issue 13, "Real processes, 3 nodes").
#include <gtest/gtest.h>


#include "logclient/remote_log_client.hpp"
#include "tests/cluster/cluster_harness.hpp"
#include "transport/curve.hpp"

namespace pinpipe::test {
namespace {

std::unique_ptr<logclient::remote_log_client> client_for(const std::string& endpoint,
                                                         const std::string& server_key = {},
                                                         const transport::curve_keypair* mine = nullptr) {
  logclient::remote_options o;
  o.endpoint = endpoint;
  o.timeout_ms = 20000;
  o.server_public_key = server_key;
  if (mine) {
    o.curve_public_key = mine->public_key;
    o.curve_secret_key = mine->secret_key;
  }
  auto c = logclient::remote_log_client::connect(o);
  return c ? std::move(*c) : nullptr;
}

int64_t high_watermark_at(const std::string& endpoint, const std::string& topic) {
  auto c = client_for(endpoint);
  auto t = c ? c->describe_topic(topic) : result<storage::topic_info>(status{errc::unavailable, ""});
  return t ? t->partitions[0].high_watermark.value : -1;
}

TEST(ClusterCatchUp, FollowerRestartedAfter100MBCatchesUp) {
  test_cluster c(3);
  ASSERT_TRUE(c.start_all().ok());
  ASSERT_EQ(c.cli({"topics", "create", "big"}).exit_code, 0);
  const int leader = c.wait_leader("big", 0);
  ASSERT_GT(leader, 0);
  const int follower = leader % 3 + 1;
  c.kill9(follower);
  // 100 MB of acks=all batches (256 records of 420 B each) straight to the leader.
  auto cl = client_for(c.endpoint(leader));
  ASSERT_TRUE(cl);
  const std::string value(420, 'x');
  const int batches = (100 << 20) / (256 * 420) + 1;
  int failed = 0;
  const auto w0 = std::chrono::steady_clock::now();
  for (int b = 0; b < batches; ++b) {
    storage::produce_request req;
    req.topic = "big";
    req.required_acks = storage::acks::all;
    for (int i = 0; i < 256; ++i) req.records.push_back({std::nullopt, value, 0, {}});
    auto r = logclient::produce_sync(*cl, req);
    if (!r.st.ok()) ++failed;
  }
  ASSERT_EQ(failed, 0);
  std::cout << "[ catch-up ] wrote " << batches * 256 * 420 / (1 << 20) << " MiB acks=all, one "
            << "batch of 256 at a time, in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count()
            << " s\n";
  const int64_t target = high_watermark_at(c.endpoint(leader), "big");
  ASSERT_GT(target, static_cast<int64_t>(batches) * 256 - 1);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.start(follower).ok());
  int64_t hw = -1;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
    hw = high_watermark_at(c.endpoint(follower), "big");
    if (hw >= target) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(hw, target) << "the restarted follower did not catch up within 60 s";
  const double start_s = c.node(follower).start_ms() / 1000.0;
  std::cout << "[ catch-up ] " << batches * 256 * 420 / (1 << 20) << " MiB in " << secs
            << " s from the restart (the node's start took " << start_s << " s): "
            << (batches * 256.0 * 420 / (1 << 20)) / (secs - start_s) << " MiB/s after start\n";
}

TEST(ClusterCurve, NodeWithoutTheClusterKeysIsRefused) {
  std::vector<transport::curve_keypair> keys;
  for (int i = 0; i < 3; ++i) {
    auto k = transport::make_curve_keypair();
    ASSERT_TRUE(k.ok());
    keys.push_back(*k);
  }
  std::string member_keys = "member_keys = [";
  std::vector<std::string> node_lines;
  for (int i = 0; i < 3; ++i) {
    member_keys += (i ? ", " : "") + std::string("\"") + std::to_string(i + 1) + "@" +
                   keys[static_cast<size_t>(i)].public_key + "\"";
    node_lines.push_back("curve_public_key = \"" + keys[static_cast<size_t>(i)].public_key +
                         "\"\ncurve_secret_key = \"" + keys[static_cast<size_t>(i)].secret_key + "\"");
  }
  member_keys += "]";
  test_cluster c(3, member_keys, {}, node_lines);
  ASSERT_TRUE(c.start_all().ok());
  // Members reach each other over CURVE: the metadata group elects and a topic is created.
  auto n1 = client_for(c.endpoint(1), keys[0].public_key, &keys[0]);
  ASSERT_TRUE(n1);
  ASSERT_TRUE(n1->create_topic("sec", {}).ok());
  // A client without a member key is refused by the ZAP allowlist.
  auto stranger_keys = transport::make_curve_keypair();
  ASSERT_TRUE(stranger_keys.ok());
  logclient::remote_options so;
  so.endpoint = c.endpoint(1);
  so.server_public_key = keys[0].public_key;
  so.curve_public_key = stranger_keys->public_key;
  so.curve_secret_key = stranger_keys->secret_key;
  so.timeout_ms = 1500;
  auto stranger = logclient::remote_log_client::connect(so);
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE((*stranger)->describe_topic("sec").ok());
  // A rogue node claiming id 3, at node 3's address, with its own key pair: the members
  // never count it as up, and the metadata it could join never reaches it.
  c.kill9(3);
  // (Z85 keys hold regex and format characters: plain string replacements.)
  auto cfg = read_file(c.config(3));
  auto swap = [&cfg](const std::string& from, const std::string& to) {
    for (auto at = cfg.find(from); at != std::string::npos; at = cfg.find(from, at + to.size()))
      cfg.replace(at, from.size(), to);
  };
  swap(keys[2].secret_key, stranger_keys->secret_key);
  swap(keys[2].public_key, stranger_keys->public_key); // its [node] key and its member_keys entry
  write_file(c.config(3), cfg);
  std::filesystem::remove_all(c.data_dir(3));
  ASSERT_TRUE(c.start(3).ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto st = c.cli_at(1, {"--server-key", keys[0].public_key, "cluster", "status"});
  // The CLI has no member key: refused too. Ask through the rogue-free path instead:
  EXPECT_NE(st.exit_code, 0);
  auto t = n1->describe_topic("sec");
  ASSERT_TRUE(t.ok());
  // The rogue never got the metadata: it knows no topic "sec".
  logclient::remote_options ro;
  ro.endpoint = c.endpoint(3);
  ro.server_public_key = stranger_keys->public_key;
  ro.curve_public_key = stranger_keys->public_key;
  ro.curve_secret_key = stranger_keys->secret_key;
  ro.timeout_ms = 2000;
  auto rogue = logclient::remote_log_client::connect(ro);
  ASSERT_TRUE(rogue.ok());
  auto seen = (*rogue)->describe_topic("sec");
  EXPECT_FALSE(seen.ok()) << "the rogue node received the cluster's metadata";
  EXPECT_NE(c.log_text(1).find("refused"), std::string::npos) << c.log_text(1);
}

} // namespace
} // namespace pinpipe::test
