#include "nodes/cluster_start.hpp"

#include <algorithm>

#include "pipeline/paths.hpp"
#include "transport/peer_mesh.hpp"

namespace pinpipe::cli {

result<std::unique_ptr<cluster_runtime>> cluster_runtime::start(const config::config& cfg,
                                                                const cluster::membership& ms) {
  std::unique_ptr<cluster_runtime> rt(new cluster_runtime());
  cluster::cluster_options o;
  o.ms = ms;
  o.dir = cfg.node.data_dir + "/cluster";
  o.log_defaults = pinpipe::log_config_of(cfg, cfg.node.data_dir + "/log");
  o.default_partitions = cfg.log.default_partitions;
  if (!ms.members.front().curve_public_key.empty()) {
    o.curve_public_key = cfg.node.curve_public_key;
    o.curve_secret_key = cfg.node.curve_secret_key;
  }
  auto log = cluster::cluster_log::open(o);
  if (!log) return log.error();
  rt->log_ = *log;

  transport::mesh_config mc;
  mc.link.self = ms.self;
  mc.link.cluster = ms.wire_cluster_id;
  mc.link.curve_public_key = o.curve_public_key;
  mc.link.curve_secret_key = o.curve_secret_key;
  mc.link.heartbeat_interval_ms = ms.heartbeat_ms;
  mc.link.peer_timeout_ms = std::max(ms.election_timeout_ms, 4 * ms.heartbeat_ms);
  for (const auto& m : ms.members) mc.members.push_back({m.id, m.endpoint, m.curve_public_key});
  std::weak_ptr<cluster::cluster_log> weak = rt->log_;
  auto mesh = transport::peer_mesh::start(mc, [weak](uint64_t group, raft::message m) {
    if (auto l = weak.lock()) l->deliver(group, std::move(m));
  });
  if (!mesh) {
    rt->log_->close();
    return mesh.error();
  }
  rt->mesh_ = std::move(*mesh);
  auto* mesh_ptr = rt->mesh_.get();
  rt->log_->set_sender([mesh_ptr](node_id to, uint64_t group, raft::message m) {
    (void)mesh_ptr->send(to, group, std::move(m));
  });
  return rt;
}

cluster_runtime::~cluster_runtime() { stop(0); }

transport::handlers cluster_runtime::with_links(transport::handlers h) const {
  auto* mesh = mesh_.get();
  auto inner = std::move(h.on_request);
  h.on_request = [mesh, inner](messages::envelope env, transport::responder rsp) {
    if (transport::peer_mesh::is_node_message(env.type)) {
      mesh->on_envelope(env); // one-way: no reply
      return;
    }
    inner(std::move(env), std::move(rsp));
  };
  return h;
}

std::vector<std::string> cluster_runtime::member_keys() const {
  return mesh_ ? mesh_->member_keys() : std::vector<std::string>{};
}

void cluster_runtime::stop(int wait_ms) {
  if (log_ && wait_ms > 0) log_->hand_off_leadership(wait_ms);
  if (mesh_) mesh_->stop();
}

} // namespace pinpipe::cli
