#include "nodes/control_requests.hpp"

#include "messages/codec.hpp"
#include "messages/control_api.hpp"

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

} // namespace

transport::handlers with_control(transport::handlers h, actors::pipeline_runtime* rt) {
  auto inner = std::move(h.on_request);
  h.on_request = [inner, rt](m::envelope env, transport::responder rsp) {
    if (env.type == m::msg_type::flush_lake_request) return flush_lake(rt, env, rsp);
    inner(std::move(env), std::move(rsp));
  };
  return h;
}

} // namespace pinpipe::node
