// The example cluster configs (config/cluster-3-nodes/, config/cluster-5-nodes/) load as
// a node loads them (config::load, then cluster::membership_of): every file is valid, the
// files of one folder describe the same cluster (same wire cluster id, so their links
// would accept each other), each is its own member, and the commented CURVE lines, once
// filled in with real keys from `pinpipe keygen`'s generator, are valid too. A broken
// example fails here instead of on an operator's hosts.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cluster/membership.hpp"
#include "common/config.hpp"
#include "transport/curve.hpp"

namespace pinpipe::cluster {
namespace {

namespace fs = std::filesystem;

// ctest sets PINPIPE_SOURCE_DIR (pinpipe_test); run by hand, set it to the repository root.
fs::path source_dir() {
  const char* s = std::getenv("PINPIPE_SOURCE_DIR");
  return s ? fs::path(s) : fs::path(".");
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every *.toml of an example folder, sorted by name.
std::vector<fs::path> files_of(const std::string& folder) {
  std::vector<fs::path> out;
  const fs::path dir = source_dir() / "config" / folder;
  if (!fs::is_directory(dir)) {
    ADD_FAILURE() << dir << " is not a directory (set PINPIPE_SOURCE_DIR to the repository root)";
    return out;
  }
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".toml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void check_folder(const std::string& folder, size_t n) {
  const auto files = files_of(folder);
  ASSERT_EQ(files.size(), n) << "config/" << folder << " should hold node-1.toml .. node-" << n
                             << ".toml";
  std::set<std::string> wire_ids;
  std::set<int32_t> selves;
  for (size_t i = 0; i < files.size(); ++i) {
    SCOPED_TRACE(files[i].string());
    EXPECT_EQ(files[i].filename().string(), "node-" + std::to_string(i + 1) + ".toml");
    auto cfg = config::load(files[i].string());
    ASSERT_TRUE(cfg) << cfg.error().to_string();
    auto ms = membership_of(*cfg);
    ASSERT_TRUE(ms) << ms.error().to_string();
    ASSERT_TRUE(ms->replicated());
    EXPECT_EQ(ms->members.size(), n);
    EXPECT_EQ(ms->self.value, static_cast<int32_t>(i + 1));
    EXPECT_EQ(ms->replication_factor, 3);
    EXPECT_EQ(cfg->node.listen, "tcp://0.0.0.0:7070");
    EXPECT_FALSE(cfg->faults.allow) << "an example for real hosts must not enable test hooks";
    for (const auto& m : ms->members)
      EXPECT_EQ(m.endpoint, "tcp://10.0.0." + std::to_string(m.id.value) + ":7070");
    wire_ids.insert(ms->wire_cluster_id);
    selves.insert(ms->self.value);
  }
  EXPECT_EQ(wire_ids.size(), 1u) << "the files of config/" << folder
                                 << " describe different clusters (node lists differ)";
  EXPECT_EQ(selves.size(), n);
}

TEST(ExampleConfigs, ThreeNodesLoadAsOneCluster) { check_folder("cluster-3-nodes", 3); }

TEST(ExampleConfigs, FiveNodesLoadAsOneCluster) { check_folder("cluster-5-nodes", 5); }

// Plain text replacement (Z85 keys hold '$' and '&', which regex formats would expand).
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// Follows the comments of the examples: uncomment the CURVE lines and put real keys in.
std::string with_keys(std::string text, const std::vector<transport::curve_keypair>& keys,
                      const transport::curve_keypair& client) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  bool in_member_keys = false;
  while (std::getline(in, line)) {
    if (line.rfind("# curve_", 0) == 0 || line.rfind("# member_keys", 0) == 0) {
      line = line.substr(2);
      in_member_keys = line.rfind("member_keys", 0) == 0;
    } else if (in_member_keys && line.rfind("#", 0) == 0) {
      line = line.substr(1);
      if (line.rfind(" ]", 0) == 0) in_member_keys = false;
    }
    out += line + "\n";
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string id = std::to_string(i + 1);
    replace_all(out, "PUBLIC_KEY_OF_NODE_" + id + "\"", keys[i].public_key + "\"");
    replace_all(out, "SECRET_KEY_OF_NODE_" + id + "\"", keys[i].secret_key + "\"");
  }
  replace_all(out, "PUBLIC_KEY_OF_A_CLIENT", client.public_key);
  return out;
}

TEST(ExampleConfigs, CommentedCurveLinesFilledWithKeygenKeysAreValid) {
  for (const auto& [folder, n] : {std::pair<std::string, size_t>{"cluster-3-nodes", 3},
                                  std::pair<std::string, size_t>{"cluster-5-nodes", 5}}) {
    std::vector<transport::curve_keypair> keys;
    for (size_t i = 0; i < n; ++i) {
      auto k = transport::make_curve_keypair();
      ASSERT_TRUE(k) << k.error().to_string();
      keys.push_back(*k);
    }
    auto client = transport::make_curve_keypair();
    ASSERT_TRUE(client);
    const auto files = files_of(folder);
    ASSERT_EQ(files.size(), n);
    for (size_t i = 0; i < n; ++i) {
      SCOPED_TRACE(files[i].string());
      const std::string text = with_keys(read_all(files[i]), keys, *client);
      ASSERT_EQ(text.find("_KEY_OF_"), std::string::npos) << "a placeholder is left:\n" << text;
      auto cfg = config::parse(text, files[i].string());
      ASSERT_TRUE(cfg) << cfg.error().to_string() << "\n" << text;
      auto ms = membership_of(*cfg);
      ASSERT_TRUE(ms) << ms.error().to_string();
      ASSERT_EQ(ms->members.size(), n);
      for (size_t j = 0; j < n; ++j)
        EXPECT_EQ(ms->members[j].curve_public_key, keys[j].public_key);
      EXPECT_EQ(cfg->node.curve_public_key, keys[i].public_key);
      ASSERT_EQ(cfg->node.curve_allowed_clients.size(), 1u);
    }
  }
}

// The check above has teeth: a folder whose files list different nodes is caught.
TEST(ExampleConfigs, DifferentNodeListsGiveDifferentClusterIds) {
  const auto files = files_of("cluster-3-nodes");
  ASSERT_EQ(files.size(), 3u);
  std::string text = read_all(files[0]);
  auto a = config::parse(text, "a");
  ASSERT_TRUE(a);
  const auto pos = text.find("10.0.0.3:7070");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 13, "10.0.0.9:7070");
  auto b = config::parse(text, "b");
  ASSERT_TRUE(b);
  auto ma = membership_of(*a), mb = membership_of(*b);
  ASSERT_TRUE(ma && mb);
  EXPECT_NE(ma->wire_cluster_id, mb->wire_cluster_id);
}

} // namespace
} // namespace pinpipe::cluster
