#include "nodes/control_requests.hpp"

#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "common/disk_full_count.hpp"

namespace pinpipe::node {

namespace m = pinpipe::messages;

namespace {

void reply(const transport::responder& rsp, const m::flush_lake_response& r) {
  rsp.reply_payload(m::msg_type::flush_lake_response, m::encode_payload(r), "node");
}

void flush_lake(actors::pipeline_runtime* rt, const m::envelope& env,
                const transport::responder& rsp) {
  auto req = m::decode_payload<m::flush_lake_request>(env.payload.data);
  m::flush_lake_response out;
  if (!req) {
    out.error = req.error().code();
    out.message = req.error().message();
    return reply(rsp, out);
  }
  if (!rt) {
    out.error = errc::unavailable;
    out.message = "this node runs no pipeline roles, so it has no lake objects to close";
    return reply(rsp, out);
  }
  auto lake_dir = rt->paths().lake;
  rt->flush_lake_async([rsp, lake_dir](result<int64_t> done) {
    m::flush_lake_response r;
    r.lake_dir = lake_dir;
    if (done) {
      r.objects_written = *done;
    } else {
      r.error = done.error().code();
      r.message = done.error().message();
    }
    reply(rsp, r);
  });
}

void node_stats(actors::pipeline_runtime* rt,
                const std::function<actors::actor_stats()>& node_api_stats,
                const m::envelope& env, const transport::responder& rsp) {
  auto req = m::decode_payload<m::node_stats_request>(env.payload.data);
  m::node_stats_response out;
  if (!req) {
    out.error = req.error().code();
    out.message = req.error().message();
  } else {
    // On this (transport) thread: the actors answer within milliseconds (each is asked
    // with a timeout), and an operator's status request is rare. A thread of its own would
    // outlive the runtime at shutdown. A node without pipeline roles has no actors.
    std::vector<actors::actor_stats> all;
    if (rt) all = rt->stats();
    if (node_api_stats) all.push_back(node_api_stats());
    for (const auto& s : all)
      out.actors.push_back(
          {s.name, s.items, s.errors, s.dead_letters, s.bad_requests, s.log_lines_suppressed});
    out.disk_full_errors = static_cast<int64_t>(disk_full_refusals().load());
  }
  rsp.reply_payload(m::msg_type::node_stats_response, m::encode_payload(out), "node");
}

} // namespace

transport::handlers with_control(transport::handlers h, actors::pipeline_runtime* rt,
                                 std::function<actors::actor_stats()> node_api_stats) {
  auto inner = std::move(h.on_request);
  h.on_request = [inner, rt, node_api_stats](m::envelope env, transport::responder rsp) {
    if (env.type == m::msg_type::flush_lake_request) return flush_lake(rt, env, rsp);
    if (env.type == m::msg_type::node_stats_request)
      return node_stats(rt, node_api_stats, env, rsp);
    inner(std::move(env), std::move(rsp));
  };
  return h;
}

} // namespace pinpipe::node
