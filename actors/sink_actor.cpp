#include "actors/sink_actor.hpp"

#include "actors/errors.hpp"
#include "common/logging.hpp"

namespace pinpipe::actors {
namespace {

struct sink_state {
  std::shared_ptr<warehouse::warehouse> wh;
  actor_stats stats = named_stats("sink");
  std::shared_ptr<spdlog::logger> log = logging::get("sink");
};

sink_actor::behavior_type sink(sink_actor::stateful_pointer<sink_state> self,
                               std::shared_ptr<warehouse::warehouse> wh) {
  self->state.wh = std::move(wh);
  return {
      [=](warehouse::stream_batch& b) -> caf::result<int64_t> {
        auto& st = self->state;
        if (auto s = st.wh->apply_stream(b); !s.ok()) {
          ++st.stats.errors;
          st.stats.last_error = s.to_string();
          st.log->error("applying {} rows of {}[{}] failed: {}", b.rows.size(), b.topic,
                        b.partition, s.to_string());
          return to_caf_error(s);
        }
        st.stats.items += static_cast<int64_t>(b.rows.size());
        st.stats.dead_letters += static_cast<int64_t>(b.dead.size());
        return b.next_offset;
      },
      [=](position_atom, const std::string& topic, int32_t partition) -> caf::result<int64_t> {
        auto pos = self->state.wh->stream_position(topic, partition);
        if (!pos) return to_caf_error(pos.error());
        return *pos;
      },
      [=](position_atom, const std::string& topic, int32_t partition,
          int64_t incarnation) -> caf::result<int64_t> {
        auto pos = self->state.wh->stream_position(topic, partition, incarnation);
        if (!pos) return to_caf_error(pos.error());
        return *pos;
      },
      [=](stats_atom) { return self->state.stats; },
  };
}

} // namespace

sink_actor spawn_sink(caf::actor_system& sys, std::shared_ptr<warehouse::warehouse> wh,
                      actor_thread where) {
  if (where == actor_thread::shared) return sys.spawn(sink, std::move(wh));
  return sys.spawn<caf::detached>(sink, std::move(wh));
}

} // namespace pinpipe::actors
