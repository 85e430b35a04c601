// A cluster of test nodes for the node-link tests: each node is a request server (the
// ROUTER its peers connect to, forwarding node envelopes to its mesh) plus a peer_mesh
// whose received Raft messages are recorded. Real sockets on 127.0.0.1, ephemeral ports.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "transport/curve.hpp"
#include "transport/peer_mesh.hpp"
#include "transport/server.hpp"

namespace pinpipe::transport::test {

using clock_type = std::chrono::steady_clock;
using group_id = messages::raft_group_id;

inline bool wait_until(const std::function<bool()>& pred, int timeout_ms = 5000) {
  const auto until = clock_type::now() + std::chrono::milliseconds(timeout_ms);
  while (clock_type::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

inline raft::message append_msg(int from, int to, int i) {
  raft::message m;
  m.type = raft::msg_type::append;
  m.from = node_id{from};
  m.to = node_id{to};
  m.term = term_t{3};
  m.prev_last = offset_t{i};
  raft::entry e;
  e.base = e.last = offset_t{i + 1};
  e.term = term_t{3};
  e.payload = "record batch " + std::to_string(i);
  m.entries.push_back(e);
  return m;
}

/// One node: its request server (the ROUTER peers connect to) and its mesh.
struct test_node {
  int id = 0;
  curve_keypair keys;
  std::unique_ptr<server> srv;
  std::unique_ptr<peer_mesh> mesh;
  std::atomic<peer_mesh*> target{nullptr};
  std::mutex mu;
  std::vector<std::pair<group_id, raft::message>> got;
  /// When set (before the mesh starts), received messages go here instead of `got`.
  std::function<void(group_id, raft::message)> sink;

  // The server first: its thread calls into the mesh and `got`.
  ~test_node() {
    if (srv) srv->stop();
  }

  size_t count(const std::function<bool(group_id, const raft::message&)>& f) {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (auto& [g, m] : got)
      n += f(g, m);
    return n;
  }
  size_t appends_from(int from) {
    return count([&](group_id, const raft::message& m) {
      return m.type == raft::msg_type::append && m.from == node_id{from};
    });
  }
};

struct cluster_options {
  bool curve = false;
  int heartbeat_ms = 20;
  int timeout_ms = 200;
  int reconnect_min_ms = 50;
  int reconnect_max_ms = 400;
};

class PeerCluster : public ::testing::Test {
protected:
  std::vector<std::unique_ptr<test_node>> nodes;
  cluster_options opts;
  std::vector<peer_endpoint> members;

  void start_server(test_node& n, const std::string& endpoint) {
    server_options so;
    so.endpoint = endpoint;
    if (opts.curve) {
      so.curve_public_key = n.keys.public_key;
      so.curve_secret_key = n.keys.secret_key;
      so.curve_check_clients = true;
      for (auto& m : members)
        so.curve_allowed_clients.push_back(m.curve_public_key);
    }
    test_node* np = &n;
    n.srv = std::make_unique<server>(so, [np](messages::envelope env, responder) {
      if (auto* m = np->target.load()) m->on_envelope(env);
    });
    ASSERT_TRUE(n.srv->start().ok());
  }

  link_settings settings(int id, const curve_keypair& keys) const {
    link_settings s;
    s.self = node_id{id};
    s.cluster = "test-cluster";
    s.heartbeat_interval_ms = opts.heartbeat_ms;
    s.peer_timeout_ms = opts.timeout_ms;
    s.reconnect_min_ms = opts.reconnect_min_ms;
    s.reconnect_max_ms = opts.reconnect_max_ms;
    if (opts.curve) {
      s.curve_public_key = keys.public_key;
      s.curve_secret_key = keys.secret_key;
    }
    return s;
  }

  void start_mesh(test_node& n) {
    mesh_config cfg{settings(n.id, n.keys), members};
    test_node* np = &n;
    auto m = peer_mesh::start(cfg, [np](group_id g, raft::message msg) {
      if (np->sink) return np->sink(g, std::move(msg));
      std::lock_guard<std::mutex> lock(np->mu);
      np->got.emplace_back(g, std::move(msg));
    });
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    n.mesh = std::move(*m);
    n.target = n.mesh.get();
  }

  /// Starts `count` nodes: all servers first (ephemeral ports), then the meshes.
  void start_cluster(int count) {
    for (int i = 1; i <= count; ++i) {
      auto n = std::make_unique<test_node>();
      n->id = i;
      if (opts.curve) {
        auto k = make_curve_keypair();
        ASSERT_TRUE(k.ok());
        n->keys = *k;
      }
      members.push_back({node_id{i}, "", n->keys.public_key});
      nodes.push_back(std::move(n));
    }
    for (auto& n : nodes) {
      start_server(*n, "tcp://127.0.0.1:0");
      members[n->id - 1].endpoint = n->srv->endpoint();
    }
    for (auto& n : nodes)
      start_mesh(*n);
  }

  bool all_up() {
    for (auto& a : nodes)
      for (auto& b : nodes)
        if (a != b && a->mesh && b->mesh && !a->mesh->is_up(node_id{b->id})) return false;
    return true;
  }

  /// Stops a node's mesh and server (its links and socket go away).
  void kill(test_node& n) {
    n.target = nullptr;
    n.srv->stop();
    n.srv.reset();
    n.mesh.reset();
  }

  test_node& node(int id) { return *nodes[id - 1]; }
  link_stats link(int from, int to) {
    auto s = node(from).mesh->link(node_id{to});
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : link_stats{};
  }
};

} // namespace pinpipe::transport::test
