#include "nodes/request_router.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/type_ids.hpp"
#include "messages/codec.hpp"

namespace pinpipe::node {

namespace m = pinpipe::messages;

namespace {

m::envelope error_envelope(errc code, std::string message) {
  return m::make_envelope(m::error_response{m::protocol_version, code, std::move(message)}, 0,
                          "node");
}

// One behavior clause per request type: ask the broker, reply with its response.
template <class Req> auto route(caf::event_based_actor* self, actors::broker_actor broker) {
  return [self, broker](Req& req, transport::responder& rsp) {
    self->request(broker, caf::infinite, std::move(req))
        .then([rsp](m::response_of<Req>& resp) { rsp.reply(m::make_envelope(resp, 0, "broker")); },
              [self, rsp](caf::error& err) {
                rsp.reply(error_envelope(errc::unavailable,
                                         "broker did not answer: " + self->system().render(err) +
                                             " (the node may be shutting down; retry)"));
              });
  };
}

caf::behavior router(caf::event_based_actor* self, actors::broker_actor broker) {
  return {
      route<m::create_topic_request>(self, broker),  route<m::delete_topic_request>(self, broker),
      route<m::list_topics_request>(self, broker),   route<m::describe_topic_request>(self, broker),
      route<m::produce_request>(self, broker),       route<m::fetch_request>(self, broker),
      route<m::list_offsets_request>(self, broker),  route<m::commit_offsets_request>(self, broker),
      route<m::fetch_offsets_request>(self, broker),
  };
}

template <class Req>
void forward(const caf::actor& router, const m::envelope& env, transport::responder rsp) {
  auto req = m::decode_payload<Req>(env.payload.data);
  if (!req) {
    rsp.reply(error_envelope(req.error().code(), req.error().message()));
    return;
  }
  caf::anon_send(router, std::move(*req), std::move(rsp));
}

} // namespace

transport::request_handler make_request_handler(caf::actor_system& sys, actors::broker_actor broker,
                                                caf::actor* router_out) {
  auto r = sys.spawn(router, broker);
  if (router_out) *router_out = r;
  return [r](m::envelope env, transport::responder rsp) {
    switch (env.type) {
    case m::msg_type::create_topic_request:
      return forward<m::create_topic_request>(r, env, rsp);
    case m::msg_type::delete_topic_request:
      return forward<m::delete_topic_request>(r, env, rsp);
    case m::msg_type::list_topics_request:
      return forward<m::list_topics_request>(r, env, rsp);
    case m::msg_type::describe_topic_request:
      return forward<m::describe_topic_request>(r, env, rsp);
    case m::msg_type::produce_request:
      return forward<m::produce_request>(r, env, rsp);
    case m::msg_type::fetch_request:
      return forward<m::fetch_request>(r, env, rsp);
    case m::msg_type::list_offsets_request:
      return forward<m::list_offsets_request>(r, env, rsp);
    case m::msg_type::commit_offsets_request:
      return forward<m::commit_offsets_request>(r, env, rsp);
    case m::msg_type::fetch_offsets_request:
      return forward<m::fetch_offsets_request>(r, env, rsp);
    default:
      rsp.reply(error_envelope(errc::invalid_request,
                               std::string{"this node does not serve message type "} +
                                   std::to_string(static_cast<int>(env.type)) + " (" +
                                   m::to_string(env.type) + "); send a log API request"));
    }
  };
}

} // namespace pinpipe::node
