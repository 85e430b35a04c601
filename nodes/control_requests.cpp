#include "nodes/control_requests.hpp"

#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "messages/warehouse_api.hpp"
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

/// Decodes the request of `env` and answers it: with an error response when it does not
/// decode or the node runs no pipeline roles, else through `ask(rt, reply)`.
template <class Req, class Ask>
void answer(actors::pipeline_runtime* rt, const m::envelope& env, const transport::responder& rsp,
            Ask ask) {
  using Resp = m::response_of<Req>;
  auto send = [rsp](const Resp& r) {
    rsp.reply_payload(m::message_traits<Resp>::type, m::encode_payload(r), "node");
  };
  auto req = m::decode_payload<Req>(env.payload.data);
  if (!req) return send(m::with_status(Resp{}, req.error()));
  if (!rt)
    return send(m::with_status(
        Resp{}, status{errc::unavailable, "this node runs no pipeline roles, so it has no "
                                          "warehouse or batch runs"}));
  ask(rt, send, rt->paths().warehouse);
}

void batch_runs(actors::pipeline_runtime* rt, const m::envelope& env,
                const transport::responder& rsp) {
  answer<m::batch_runs_request>(rt, env, rsp, [](auto* rt, auto send, std::string path) {
    rt->runs_async([send, path](result<std::vector<batch::run_record>> runs) {
      m::batch_runs_response r;
      r.warehouse_path = path;
      if (!runs) return send(m::with_status(r, runs.error()));
      for (const auto& x : *runs)
        r.runs.push_back({x.run_id, x.dag_id, x.scheduled_time, x.start_time, x.end_time,
                          x.state, x.attempt, x.error});
      send(r);
    });
  });
}

void batch_trigger(actors::pipeline_runtime* rt, const m::envelope& env,
                   const transport::responder& rsp) {
  answer<m::batch_trigger_request>(rt, env, rsp, [](auto* rt, auto send, std::string path) {
    rt->queue_run_async([send, path](result<batch::planned_run> run) {
      m::batch_trigger_response r;
      r.warehouse_path = path;
      if (!run) return send(m::with_status(r, run.error()));
      r.run_id = run->run_id;
      send(r);
    });
  });
}

void warehouse_counts(actors::pipeline_runtime* rt, const m::envelope& env,
                      const transport::responder& rsp) {
  answer<m::warehouse_counts_request>(rt, env, rsp, [](auto* rt, auto send, std::string path) {
    rt->warehouse_async([send, path](result<actors::warehouse_view> v) {
      m::warehouse_counts_response r;
      r.warehouse_path = path;
      if (!v) return send(m::with_status(r, v.error()));
      r.exists = v->exists;
      for (const auto& [table, rows] : v->tables)
        r.tables.push_back({table, rows});
      for (const auto& [tp, next] : v->positions)
        r.positions.push_back({tp.first, tp.second, next});
      send(r);
    });
  });
}

} // namespace

transport::handlers with_control(transport::handlers h, actors::pipeline_runtime* rt,
                                 std::function<actors::actor_stats()> node_api_stats) {
  auto inner = std::move(h.on_request);
  h.on_request = [inner, rt, node_api_stats](m::envelope env, transport::responder rsp) {
    if (env.type == m::msg_type::flush_lake_request) return flush_lake(rt, env, rsp);
    if (env.type == m::msg_type::node_stats_request)
      return node_stats(rt, node_api_stats, env, rsp);
    if (env.type == m::msg_type::batch_runs_request) return batch_runs(rt, env, rsp);
    if (env.type == m::msg_type::batch_trigger_request) return batch_trigger(rt, env, rsp);
    if (env.type == m::msg_type::warehouse_counts_request)
      return warehouse_counts(rt, env, rsp);
    inner(std::move(env), std::move(rsp));
  };
  return h;
}

} // namespace pinpipe::node
