#include "actors/broker_actor.hpp"

#include <algorithm>
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/fetch_serving.hpp"
#include "common/logging.hpp"
#include "logclient/wire_convert.hpp"

namespace pinpipe::actors {

using m::with_status;

// -- plain operations ------------------------------------------------------------------------

m::create_topic_response broker_state::create_topic(const m::create_topic_request& req) {
  auto cfg = logclient::from_wire(req.config);
  if (cfg.partitions <= 0) cfg.partitions = opts.default_partitions;
  return with_status(m::create_topic_response{}, log->create_topic(req.name, cfg));
}

m::delete_topic_response broker_state::delete_topic(const m::delete_topic_request& req) {
  return with_status(m::delete_topic_response{}, log->delete_topic(req.name));
}

m::list_topics_response broker_state::list_topics(const m::list_topics_request&) {
  m::list_topics_response r;
  for (const auto& t : log->list_topics())
    r.topics.push_back(logclient::to_wire(t));
  return r;
}

m::describe_topic_response broker_state::describe_topic(const m::describe_topic_request& req) {
  auto t = log->describe_topic(req.name);
  if (!t) return with_status(m::describe_topic_response{}, t.error());
  m::describe_topic_response r;
  r.topic = logclient::to_wire(*t);
  return r;
}

m::list_offsets_response broker_state::list_offsets(const m::list_offsets_request& req) {
  storage::offset_spec spec;
  switch (req.spec) {
  case 0:
    spec = storage::offset_spec::earliest;
    break;
  case 1:
    spec = storage::offset_spec::latest;
    break;
  case 2:
    spec = storage::offset_spec::by_timestamp;
    break;
  default:
    return with_status(
        m::list_offsets_response{},
        status{errc::invalid_request, "list_offsets spec must be 0 (earliest), 1 (latest) or 2 (by "
                                      "timestamp), got " +
                                          std::to_string(req.spec)});
  }
  auto off = log->list_offset(req.topic, req.partition, spec, req.timestamp_ms);
  if (!off) return with_status(m::list_offsets_response{}, off.error());
  m::list_offsets_response r;
  r.offset = *off;
  return r;
}

m::commit_offsets_response broker_state::commit_offsets(const m::commit_offsets_request& req) {
  std::vector<storage::group_offset> offs;
  for (const auto& o : req.offsets)
    offs.push_back(logclient::from_wire(o));
  return with_status(m::commit_offsets_response{}, log->commit_offsets(req.group, offs));
}

m::fetch_offsets_response broker_state::fetch_offsets(const m::fetch_offsets_request& req) {
  m::fetch_offsets_response r;
  for (const auto& o : log->committed_offsets(req.group))
    r.offsets.push_back(logclient::to_wire(o));
  return r;
}

m::fetch_response broker_state::fetch_now(const m::fetch_request& req) {
  auto res = fetch_from(*log, req);
  if (!res) return with_status(m::fetch_response{}, res.error());
  return logclient::to_wire(*res);
}

bool broker_state::should_wait(const m::fetch_request& req, const m::fetch_response& now) const {
  return req.max_wait_ms > 0 && now.error == errc::ok && now.records.empty();
}

// -- the actor ------------------------------------------------------------------------------

broker_actor::behavior_type broker(broker_pointer self, std::shared_ptr<storage::log_store> log,
                                   broker_options opts) {
  self->state.log = std::move(log);
  self->state.opts = opts;
  auto lg = logging::get("broker");
  lg->info("broker actor started");
  // Answers a parked fetch once (wake-up or deadline, whichever comes first).
  auto finish_fetch = [self](uint64_t id) {
    auto it = self->state.fetches.find(id);
    if (it == self->state.fetches.end()) return;
    auto pending = std::move(it->second);
    self->state.fetches.erase(it);
    self->state.log->cancel_watch(pending.watch_id);
    pending.promise.deliver(self->state.fetch_now(pending.req));
  };
  return {
      [self](m::create_topic_request& req) { return self->state.create_topic(req); },
      [self](m::delete_topic_request& req) { return self->state.delete_topic(req); },
      [self](m::list_topics_request& req) { return self->state.list_topics(req); },
      [self](m::describe_topic_request& req) { return self->state.describe_topic(req); },
      [self](m::list_offsets_request& req) { return self->state.list_offsets(req); },
      [self](m::commit_offsets_request& req) { return self->state.commit_offsets(req); },
      [self](m::fetch_offsets_request& req) { return self->state.fetch_offsets(req); },
      [self](m::produce_request& req) -> caf::result<m::produce_response> {
        auto converted = logclient::from_wire(std::move(req));
        if (!converted) return with_status(m::produce_response{}, converted.error());
        auto rp = self->make_response_promise<m::produce_response>();
        auto id = self->state.next_id++;
        self->state.produces.emplace(id, rp);
        // May run on the log's flusher thread: only message the actor from here.
        auto handle = caf::actor_cast<broker_actor>(self);
        self->state.log->produce(std::move(*converted), [handle, id](storage::produce_result pr) {
          caf::anon_send(handle, produce_done_atom::value, id, logclient::to_wire(pr));
        });
        return rp;
      },
      [self](produce_done_atom, uint64_t id, m::produce_response& r) {
        auto it = self->state.produces.find(id);
        if (it == self->state.produces.end()) return;
        it->second.deliver(std::move(r));
        self->state.produces.erase(it);
      },
      [self](m::fetch_request& req) -> caf::result<m::fetch_response> {
        auto now = self->state.fetch_now(req);
        if (!self->state.should_wait(req, now)) return now;
        auto id = self->state.next_id++;
        auto& p = self->state.fetches[id];
        p.req = req;
        p.promise = self->make_response_promise<m::fetch_response>();
        auto handle = caf::actor_cast<broker_actor>(self);
        // Fires once the high watermark passes req.offset (maybe at once, maybe on
        // another thread).
        p.watch_id = self->state.log->watch(req.topic, req.partition, req.offset, [handle, id] {
          caf::anon_send(handle, fetch_wake_atom::value, id);
        });
        auto wait = std::min(req.max_wait_ms, max_fetch_wait_ms);
        self->delayed_send(self, std::chrono::milliseconds(wait), fetch_deadline_atom::value, id);
        return p.promise;
      },
      [finish_fetch](fetch_wake_atom, uint64_t id) { finish_fetch(id); },
      [finish_fetch](fetch_deadline_atom, uint64_t id) { finish_fetch(id); },
  };
}

broker_actor spawn_broker(caf::actor_system& sys, std::shared_ptr<storage::log_store> log,
                          broker_options opts) {
  return sys.spawn(broker, std::move(log), opts);
}

} // namespace pinpipe::actors
