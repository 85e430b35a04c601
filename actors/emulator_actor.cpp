#include "actors/emulator_actor.hpp"

#include <chrono>

#include "common/logging.hpp"

namespace pinpipe::actors {
namespace {

struct emulator_state {
  std::shared_ptr<source::source_db> db;
  std::shared_ptr<emulator::event_sender> sender;
  std::unique_ptr<emulator::emulator> emu;
  actor_stats stats;
  std::shared_ptr<spdlog::logger> logger = logging::get("emulator");
};

using emulator_ptr = caf::stateful_actor<emulator_state>*;

void schedule_next(emulator_ptr self) {
  auto& st = self->state;
  if (st.emu->done()) {
    st.stats.finished = true;
    return;
  }
  double delay = st.emu->next_delay();
  if (delay <= 0)
    self->send(self, tick_atom::value);
  else
    self->delayed_send(self, std::chrono::microseconds(static_cast<int64_t>(delay * 1e6)),
                       tick_atom::value);
}

caf::behavior emulator_fn(emulator_ptr self, std::string name,
                          std::shared_ptr<source::source_db> db,
                          std::shared_ptr<emulator::event_sender> sender,
                          emulator::emulator_options opt) {
  auto& st = self->state;
  st.db = std::move(db);
  st.sender = std::move(sender);
  st.stats.name = std::move(name);
  st.emu = std::make_unique<emulator::emulator>(*st.db, *st.sender, std::move(opt));
  if (!st.emu->init_status().ok()) {
    st.stats.last_error = st.emu->init_status().to_string();
    ++st.stats.errors;
    st.stats.finished = true;
    st.logger->error("{}: {}", st.stats.name, st.stats.last_error);
  } else {
    schedule_next(self);
  }
  return {
      [=](tick_atom) {
        auto& s = self->state;
        auto sent = s.emu->step();
        if (!sent) {
          // Nothing is lost: the emulator retries the unsent part of the event.
          ++s.stats.errors;
          if (s.stats.last_error != sent.error().to_string())
            s.logger->warn("{}: {} (retrying in 1 s)", s.stats.name, sent.error().to_string());
          s.stats.last_error = sent.error().to_string();
          self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
          return;
        }
        s.stats.items = s.emu->stats().events_sent;
        schedule_next(self);
      },
      [=](stats_atom) {
        auto& s = self->state;
        s.stats.items = s.emu->stats().events_sent;
        return s.stats;
      },
  };
}

} // namespace

result<caf::actor> spawn_emulator(caf::actor_system& sys, emulator_actor_options opt,
                                  std::shared_ptr<emulator::event_sender> sender) {
  auto db = source::source_db::open(opt.source_path);
  if (!db) return db.error();
  std::shared_ptr<source::source_db> shared_db = std::move(*db);
  return sys.spawn<caf::detached>(emulator_fn, opt.name, shared_db, std::move(sender),
                                  std::move(opt.emu));
}

} // namespace pinpipe::actors
