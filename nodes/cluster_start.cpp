#include "nodes/cluster_start.hpp"

#include <algorithm>

#include "messages/cluster_api.hpp"
#include "messages/codec.hpp"
#include "pipeline/paths.hpp"
#include "transport/peer_mesh.hpp"

namespace pinpipe::cli {

result<std::unique_ptr<cluster_runtime>> cluster_runtime::start(const config::config& cfg,
                                                                const cluster::membership& ms) {
  std::unique_ptr<cluster_runtime> rt(new cluster_runtime());
  rt->ms_ = ms;
  rt->faults_allowed_ = cfg.faults.allow;
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
  rt->log_->set_liveness([mesh_ptr](node_id id) { return mesh_ptr->is_up(id); });
  return rt;
}

cluster_runtime::~cluster_runtime() { stop(0); }

transport::handlers cluster_runtime::with_links(transport::handlers h) const {
  auto* mesh = mesh_.get();
  auto inner = std::move(h.on_request);
  h.on_request = [this, mesh, inner](messages::envelope env, transport::responder rsp) {
    if (transport::peer_mesh::is_node_message(env.type)) {
      mesh->on_envelope(env); // one-way: no reply
      return;
    }
    if (env.type == messages::msg_type::cluster_admin_request) {
      // May wait for a leadership transfer: off the transport thread.
      std::thread([this, env = std::move(env), rsp = std::move(rsp)] { admin(env, rsp); }).detach();
      return;
    }
    inner(std::move(env), std::move(rsp));
  };
  return h;
}

namespace {
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
} // namespace

std::string cluster_runtime::admin_status_json() const {
  std::string out = "{\"node\":" + std::to_string(ms_.self.value) + ",\"cluster\":" +
                    json_string(ms_.cluster_id) + ",\"members\":[";
  bool first = true;
  for (const auto& m : ms_.members) {
    const bool up = m.id == ms_.self || (mesh_ && mesh_->is_up(m.id));
    out += std::string(first ? "" : ",") + "{\"id\":" + std::to_string(m.id.value) +
           ",\"endpoint\":" + json_string(m.endpoint) + ",\"up\":" + (up ? "true" : "false") +
           "}";
    first = false;
  }
  const node_id ml = log_->metadata_leader();
  out += "],\"metadata_leader\":" + (ml.value ? std::to_string(ml.value) : std::string("null")) +
         ",\"leads\":[";
  first = true;
  for (const auto& p : log_->led_partitions()) {
    out += std::string(first ? "" : ",") + json_string(p);
    first = false;
  }
  return out + "]}";
}

void cluster_runtime::admin(const messages::envelope& env, const transport::responder& rsp) const {
  namespace m = messages;
  m::cluster_admin_response resp;
  auto answer = [&] {
    rsp.reply_payload(m::msg_type::cluster_admin_response, m::encode_payload(resp), "node");
  };
  auto req = m::decode_payload<m::cluster_admin_request>(env.payload.data);
  if (!req) {
    rsp.reject(req.error(), "undecodable cluster_admin_request");
    return;
  }
  auto set_error = [&](const status& st) {
    resp.error = st.code();
    resp.message = st.message();
  };
  if (req->action == "status") {
    resp.body = admin_status_json();
  } else if (req->action == "move_leader") {
    const node_id leader = log_->leader_of(req->topic, req->partition);
    if (leader.value != 0 && leader != ms_.self) {
      set_error(status{errc::not_leader, "node " + std::to_string(leader.value) + " leads " +
                                             req->topic + "/" + std::to_string(req->partition)});
      if (const auto* mem = ms_.find(leader)) resp.leader_endpoint = mem->endpoint;
    } else if (auto st = log_->move_leader(req->topic, req->partition, node_id{req->node}); !st) {
      set_error(st);
    }
  } else if (req->action == "link_faults") {
    if (!faults_allowed_) {
      set_error(status{errc::invalid_request,
                       "link faults are a test hook: this node's config does not set [faults] "
                       "allow = true, so they are refused"});
    } else {
      transport::fault_config fc;
      fc.cut_outbound = req->cut;
      fc.cut_inbound = req->cut;
      fc.drop = req->drop;
      fc.duplicate = req->duplicate;
      fc.delay = req->delay;
      fc.reorder = req->reorder;
      fc.seed = req->seed;
      if (req->node == 0 && !fc.active())
        mesh_->clear_faults();
      else if (auto st = mesh_->set_faults(node_id{req->node}, fc); !st)
        set_error(st);
    }
  } else {
    set_error(status{errc::invalid_request, "unknown cluster action \"" + req->action +
                                                "\"; known: status, move_leader, link_faults"});
  }
  answer();
}

std::vector<std::string> cluster_runtime::member_keys() const {
  return mesh_ ? mesh_->member_keys() : std::vector<std::string>{};
}

void cluster_runtime::stop(int wait_ms) {
  if (log_ && wait_ms > 0) log_->hand_off_leadership(wait_ms);
  if (mesh_) mesh_->stop();
}

} // namespace pinpipe::cli
