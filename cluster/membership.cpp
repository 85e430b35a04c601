#include "cluster/membership.hpp"

#include <algorithm>
#include <set>

namespace pinpipe::cluster {
namespace {

status bad(const std::string& key, const std::string& what) {
  return status{errc::invalid_config, "config error: [cluster] " + key + ": " + what};
}

// "ID@REST" -> (id, rest); false when malformed.
bool split_entry(const std::string& s, int32_t& id, std::string& rest) {
  const auto at = s.find('@');
  if (at == std::string::npos || at == 0 || at > 9) return false;
  int64_t v = 0;
  for (size_t i = 0; i < at; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  if (v < 1 || v > 1000000) return false;
  id = static_cast<int32_t>(v);
  rest = s.substr(at + 1);
  return !rest.empty();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

const member* membership::find(node_id id) const {
  for (const auto& m : members)
    if (m.id == id) return &m;
  return nullptr;
}

std::vector<node_id> membership::ids() const {
  std::vector<node_id> out;
  for (const auto& m : members) out.push_back(m.id);
  return out;
}

int32_t effective_replication_factor(int32_t configured, size_t nodes) {
  if (configured > 0) return configured;
  return static_cast<int32_t>(std::min<size_t>(3, std::max<size_t>(1, nodes)));
}

result<membership> membership_of(const config::config& cfg) {
  membership ms;
  ms.self = node_id{cfg.node.id};
  ms.cluster_id = cfg.cluster.cluster_id;
  ms.election_timeout_ms = cfg.cluster.election_timeout_ms;
  ms.heartbeat_ms = cfg.cluster.heartbeat_ms;
  if (cfg.cluster.nodes.empty()) {
    if (!cfg.cluster.member_keys.empty())
      return bad("member_keys", "set, but [cluster] nodes is empty; list the nodes too, or "
                                "remove member_keys");
    ms.replication_factor = 1;
    return ms;
  }
  if (ms.cluster_id.empty() || ms.cluster_id.size() > 64)
    return bad("cluster_id", "expected 1-64 characters, got \"" + ms.cluster_id + "\"");
  std::set<int32_t> ids;
  std::set<std::string> endpoints;
  for (const auto& s : cfg.cluster.nodes) {
    member m;
    int32_t id = 0;
    if (!split_entry(s, id, m.endpoint) || m.endpoint.rfind("tcp://", 0) != 0 ||
        m.endpoint.rfind(':') <= 6)
      return bad("nodes", "\"" + s + "\" is not \"ID@tcp://HOST:PORT\" (ID a number >= 1), e.g. "
                                     "\"2@tcp://10.0.0.2:7070\"");
    m.id = node_id{id};
    if (!ids.insert(id).second)
      return bad("nodes", "node id " + std::to_string(id) + " is listed twice; give every node "
                                                          "its own id");
    if (!endpoints.insert(m.endpoint).second)
      return bad("nodes", "endpoint " + m.endpoint + " is listed twice; every node needs its "
                                                    "own address");
    ms.members.push_back(m);
  }
  std::sort(ms.members.begin(), ms.members.end(),
            [](const member& a, const member& b) { return a.id < b.id; });
  if (!ids.count(cfg.node.id)) {
    std::string list;
    for (int32_t i : ids) list += (list.empty() ? "" : ", ") + std::to_string(i);
    return bad("nodes", "this node's [node] id " + std::to_string(cfg.node.id) +
                            " is not in the list (ids " + list +
                            "); set [node] id (or PINPIPE_NODE_ID) to one of them, or add this "
                            "node to [cluster] nodes on every node");
  }
  if (!cfg.cluster.member_keys.empty()) {
    std::set<int32_t> keyed;
    for (const auto& s : cfg.cluster.member_keys) {
      int32_t id = 0;
      std::string key;
      if (!split_entry(s, id, key) || key.size() != 40)
        return bad("member_keys", "\"" + s + "\" is not \"ID@KEY\" with a 40-character Z85 "
                                             "public key (from `pinpipe keygen`)");
      if (!ids.count(id))
        return bad("member_keys", "node id " + std::to_string(id) + " is not in [cluster] nodes");
      if (!keyed.insert(id).second)
        return bad("member_keys", "node id " + std::to_string(id) + " has two keys");
      for (auto& m : ms.members)
        if (m.id.value == id) m.curve_public_key = key;
    }
    if (keyed.size() != ids.size())
      return bad("member_keys", "every node needs a key once any has one (" +
                                    std::to_string(keyed.size()) + " of " +
                                    std::to_string(ids.size()) + " listed)");
    if (cfg.node.curve_secret_key.empty() || cfg.node.curve_public_key.empty())
      return bad("member_keys", "set, but this node has no key pair: set [node] "
                                "curve_secret_key and curve_public_key (`pinpipe keygen`)");
    if (ms.find(ms.self)->curve_public_key != cfg.node.curve_public_key)
      return bad("member_keys", "the key listed for node " + std::to_string(cfg.node.id) +
                                    " is not this node's [node] curve_public_key");
  }
  const int32_t rf = effective_replication_factor(cfg.cluster.replication_factor, ms.members.size());
  if (static_cast<size_t>(rf) > ms.members.size())
    return bad("replication_factor", "is " + std::to_string(rf) + " but the cluster has only " +
                                         std::to_string(ms.members.size()) +
                                         " nodes; use at most the number of nodes (0 = min(3, nodes))");
  ms.replication_factor = rf;
  if (cfg.cluster.heartbeat_ms * 3 > cfg.cluster.election_timeout_ms)
    return bad("heartbeat_ms", "must be at most a third of election_timeout_ms (" +
                                   std::to_string(cfg.cluster.election_timeout_ms) + "), got " +
                                   std::to_string(cfg.cluster.heartbeat_ms));
  std::string shared = ms.cluster_id + "|" + std::to_string(rf) + "|";
  for (const auto& m : ms.members)
    shared += std::to_string(m.id.value) + "@" + m.endpoint + ",";
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(shared)));
  ms.wire_cluster_id = ms.cluster_id + "/" + std::string(hex, 8);
  return ms;
}

} // namespace pinpipe::cluster
