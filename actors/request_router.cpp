#include "actors/request_router.hpp"

#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/durable_committer.hpp"
#include "actors/fetch_serving.hpp"
#include "actors/produce_frame.hpp"
#include "actors/type_ids.hpp"
#include "logclient/wire_convert.hpp"
#include "messages/codec.hpp"
#include "messages/fast_codec.hpp"

namespace pinpipe::node {

namespace m = pinpipe::messages;

namespace {

const std::string source_name = "broker";

m::envelope error_envelope(errc code, std::string message) {
  return m::make_envelope(m::error_response{m::protocol_version, code, std::move(message)}, 0,
                          "node");
}

template <class Resp> void reply_with(const transport::responder& rsp, const Resp& r) {
  rsp.reply_payload(m::message_traits<Resp>::type, m::encode_payload(r), source_name);
}

using m::with_status;

// One behavior clause per request type: ask the broker, reply with its response.
template <class Req> auto route(caf::event_based_actor* self, actors::broker_actor broker) {
  return [self, broker](Req& req, transport::responder& rsp) {
    self->request(broker, caf::infinite, std::move(req))
        .then([rsp](m::response_of<Req>& resp) { reply_with(rsp, resp); },
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

template <class Req> result<Req> decode(const m::envelope& env, const transport::responder& rsp) {
  auto req = m::decode_payload<Req>(env.payload.data);
  if (!req) rsp.reject(req.error(), std::string{"undecodable "} + m::to_string(env.type));
  return req;
}

template <class Req>
void forward(const caf::actor& router, const m::envelope& env, transport::responder rsp) {
  auto req = decode<Req>(env, rsp);
  if (req) caf::anon_send(router, std::move(*req), std::move(rsp));
}

/// The transport thread's side: the fast path and the produce requests of the burst.
struct fast_path {
  caf::actor router;
  std::shared_ptr<storage::log_store> log;
  std::vector<storage::produce_request> reqs;
  std::vector<storage::produce_callback> cbs;
  std::vector<storage::produce_request> now_reqs, durable_reqs; // drained()'s scratch
  std::vector<storage::produce_callback> now_cbs, durable_cbs;
  std::unique_ptr<durable_committer> committer; // the acks=all sync thread

  void produce(const m::envelope& env, transport::responder rsp) {
    auto req = decode<m::produce_request>(env, rsp);
    if (!req) return;
    auto converted = logclient::from_wire(std::move(*req));
    if (!converted) {
      reply_with(rsp, with_status(m::produce_response{}, converted.error()));
      return;
    }
    reqs.push_back(std::move(*converted));
    cbs.push_back([rsp = std::move(rsp)](storage::produce_result pr) {
      reply_with(rsp, logclient::to_wire(pr));
    });
  }

  /// The common case in one pass: the produce request read straight from the received
  /// frame into the log's request. False (not canonical, invalid acks) = the generic path.
  bool produce_fast(std::string_view payload, const transport::responder& rsp) {
    storage::produce_request req;
    if (!actors::read_produce_request(payload, req)) return false;
    reqs.push_back(std::move(req));
    cbs.push_back([rsp](storage::produce_result pr) { reply_with(rsp, logclient::to_wire(pr)); });
    return true;
  }

  void drained() {
    if (reqs.empty()) return;
    // acks=all requests go to the sync thread (never fsync here: a stalled disk would
    // stall every request this thread serves); acks 0/1 are appended here and answered
    // right after the burst.
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].required_acks != storage::acks::all) {
        now_reqs.push_back(std::move(reqs[i]));
        now_cbs.push_back(std::move(cbs[i]));
      } else {
        durable_reqs.push_back(std::move(reqs[i]));
        durable_cbs.push_back(std::move(cbs[i]));
      }
    }
    reqs.clear();
    cbs.clear();
    if (!durable_reqs.empty()) committer->submit(durable_reqs, durable_cbs);
    if (!now_reqs.empty()) {
      std::vector<storage::produce_request> r;
      std::vector<storage::produce_callback> c;
      r.swap(now_reqs);
      c.swap(now_cbs);
      log->produce_many(std::move(r), std::move(c), storage::commit_on::caller);
      now_reqs.reserve(64);
      now_cbs.reserve(64);
    }
  }

  void fetch(const m::envelope& env, transport::responder rsp) {
    auto req = decode<m::fetch_request>(env, rsp);
    if (!req) return;
    // Straight from the stored bytes into the reply's payload (no record structs).
    size_t count = 0;
    auto payload = actors::encode_fetch_from(*log, *req, count);
    if (!payload) {
      reply_with(rsp, with_status(m::fetch_response{}, payload.error()));
      return;
    }
    if (count == 0 && req->max_wait_ms > 0) { // a long poll: the broker parks it
      caf::anon_send(router, std::move(*req), std::move(rsp));
      return;
    }
    rsp.reply_payload(m::msg_type::fetch_response, *payload, source_name);
  }
};

} // namespace

transport::handlers make_request_handler(caf::actor_system& sys, actors::broker_actor broker,
                                         caf::actor* router_out,
                                         std::shared_ptr<storage::log_store> log) {
  auto r = sys.spawn(router, broker);
  if (router_out) *router_out = r;
  std::shared_ptr<fast_path> fp;
  if (log) {
    fp = std::make_shared<fast_path>();
    fp->router = r;
    fp->log = log;
    fp->committer = std::make_unique<durable_committer>(std::move(log));
  }
  transport::handlers h;
  h.on_request = [r, fp](m::envelope env, transport::responder rsp) {
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
      if (fp) return fp->produce(env, std::move(rsp));
      return forward<m::produce_request>(r, env, rsp);
    case m::msg_type::fetch_request:
      if (fp) return fp->fetch(env, std::move(rsp));
      return forward<m::fetch_request>(r, env, rsp);
    case m::msg_type::list_offsets_request:
      return forward<m::list_offsets_request>(r, env, rsp);
    case m::msg_type::commit_offsets_request:
      return forward<m::commit_offsets_request>(r, env, rsp);
    case m::msg_type::fetch_offsets_request:
      return forward<m::fetch_offsets_request>(r, env, rsp);
    default:
      rsp.reject(status{errc::invalid_request,
                        std::string{"this node does not serve message type "} +
                            std::to_string(static_cast<int>(env.type)) + " (" +
                            m::to_string(env.type) + "); send a log API request"},
                 "unserved message type");
    }
  };
  if (fp) {
    h.on_drained = [fp] { fp->drained(); };
    h.on_fast = [fp](const m::fast::envelope_view& env, const transport::responder& rsp) {
      return env.type == m::msg_type::produce_request && fp->produce_fast(env.payload, rsp);
    };
  }
  return h;
}

} // namespace pinpipe::node
