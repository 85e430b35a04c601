#include "actors/connector_actor.hpp"

#include <memory>

#include "actors/errors.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"

namespace pinpipe::actors {
namespace {

struct connector_state {
  std::shared_ptr<lake::connector> conn;
  connector_options opt;
  actor_stats stats = named_stats("connector");
  std::shared_ptr<spdlog::logger> logger = logging::get("connector");

  void note(const status& st) {
    if (st.ok()) return;
    ++stats.errors;
    if (stats.last_error != st.to_string()) logger->warn("{}", st.to_string());
    stats.last_error = st.to_string();
  }
};

caf::behavior connector_fn(caf::stateful_actor<connector_state>* self, logclient::log_client* log,
                           connector_options opt) {
  self->state.opt = opt;
  self->state.conn = std::make_shared<lake::connector>(*log, opt.uid, opt.writer);
  self->send(self, tick_atom::value);
  // Clean shutdown: what is buffered becomes objects; nothing is lost either way, since a
  // restarted connector resumes after the last complete object. The functor runs after the
  // state is gone, so it holds the connector itself.
  self->attach_functor([conn = self->state.conn, logger = self->state.logger] {
    if (auto st = conn->flush_all(); !st.ok())
      logger->error("flush on shutdown: {}", st.to_string());
  });
  return {
      [=](tick_atom) {
        auto& st = self->state;
        auto moved = st.conn->poll_once();
        if (!moved)
          st.note(moved.error());
        else
          st.stats.items += *moved;
        st.note(st.conn->flush_due(now_ms()));
        st.stats.objects = st.conn->writer().objects_written();
        if (moved && *moved > 0)
          self->send(self, tick_atom::value);
        else
          self->delayed_send(self, st.opt.idle_poll, tick_atom::value);
      },
      [=](flush_atom) -> caf::result<int64_t> {
        auto& st = self->state;
        // Everything the batch topics hold now into the lake, partly full objects closed.
        auto moved = st.conn->catch_up();
        if (moved) st.stats.items += *moved;
        st.stats.objects = st.conn->writer().objects_written();
        if (!moved) {
          st.note(moved.error());
          return to_caf_error(moved.error());
        }
        return st.stats.objects;
      },
      [=](stats_atom) { return self->state.stats; },
  };
}

} // namespace

caf::actor spawn_connector(caf::actor_system& sys, logclient::log_client& log, connector_options opt) {
  if (opt.thread == actor_thread::shared) return sys.spawn(connector_fn, &log, std::move(opt));
  return sys.spawn<caf::detached>(connector_fn, &log, std::move(opt));
}

} // namespace pinpipe::actors
