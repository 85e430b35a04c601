#include "actors/stream_reader_actor.hpp"

#include <algorithm>

#include "actors/stream_cursor.hpp"
#include "common/logging.hpp"

namespace pinpipe::actors {
namespace {

// Internal wake-ups: a watched partition got records; the idle fallback timer fired.
using wake_atom = caf::atom_constant<caf::atom("rdwake")>;
using idle_atom = caf::atom_constant<caf::atom("rdidle")>;

struct reader_state {
  logclient::log_client* log = nullptr;
  stream_reader_options opt;
  cleaner_actor cleaner;
  sink_actor sink;
  stream_cursor cursors; ///< positions and in-flight flags, per partition
  actor_stats stats;
  bool tick_pending = false;
  bool idle_pending = false;
  /// Per partition: the last fetch failed, so it is retried on the idle timer (a watch
  /// would fire at once and spin).
  std::vector<bool> fetch_failed;
  /// Per partition: the log watch id while waiting for records (0 = none); shared with the
  /// exit handler that cancels them (the state is gone by then).
  std::shared_ptr<std::vector<uint64_t>> watches = std::make_shared<std::vector<uint64_t>>();
  std::shared_ptr<spdlog::logger> logger = logging::get("sink");
};

using reader_ptr = caf::stateful_actor<reader_state>*;

void schedule_tick(reader_ptr self, std::chrono::milliseconds delay) {
  if (self->state.tick_pending) return;
  self->state.tick_pending = true;
  if (delay.count() == 0)
    self->send(self, tick_atom::value);
  else
    self->delayed_send(self, delay, tick_atom::value);
}

void note_error(reader_ptr self, const std::string& what) {
  auto& st = self->state;
  ++st.stats.errors;
  if (st.stats.last_error != what) st.logger->warn("stream {}: {}", st.opt.stream, what);
  st.stats.last_error = what;
}

/// Asks the sink where each partition of the current incarnation resumes.
void ask_positions(reader_ptr self) {
  auto& st = self->state;
  const int64_t inc = st.cursors.incarnation().value_or(0);
  for (int32_t p = 0; p < static_cast<int32_t>(st.cursors.partitions()); ++p) {
    self->request(st.sink, caf::infinite, position_atom::value, st.opt.stream, p, inc)
        .then(
            [=](int64_t pos) {
              auto& s = self->state;
              if (s.cursors.incarnation() != inc) return; // asked for a previous incarnation
              s.cursors.set_resume(p, pos);
              schedule_tick(self, std::chrono::milliseconds{0});
            },
            [=](caf::error& err) { note_error(self, "position: " + self->system().render(err)); });
  }
}

/// Looks the stream up in the log: on first sight, and whenever the stream was deleted and
/// recreated (another incarnation), the positions are asked for again (a new incarnation
/// starts over from offset 0). Returns true when the stream is the one the positions
/// belong to, so records fetched before the call are of that incarnation (incarnations only
/// grow: a recreation in between would show here).
enum class synced { gone, restarted, same };
synced sync_topic(reader_ptr self) {
  auto& st = self->state;
  auto info = st.log->describe_topic(st.opt.stream);
  if (!info) {
    note_error(self, info.error().to_string());
    return synced::gone;
  }
  const auto old = st.cursors.incarnation();
  const auto seen = st.cursors.observe(info->config.incarnation, info->partitions.size());
  if (seen == stream_cursor::seen::same) return synced::same;
  if (seen == stream_cursor::seen::recreated) {
    st.logger->warn("stream {} was deleted and recreated (incarnation {} -> {}): starting it "
                    "over from offset 0; the rows of incarnation {} stay in the table",
                    st.opt.stream, old.value_or(0), info->config.incarnation, old.value_or(0));
    for (auto& id : *st.watches) {
      if (id != 0) st.log->cancel_watch(id);
      id = 0;
    }
    st.watches->resize(st.cursors.partitions(), 0);
    st.fetch_failed.assign(st.cursors.partitions(), false);
  }
  ask_positions(self);
  return synced::restarted;
}

/// Sends one partition's next batch down the pipeline; returns true when it found records.
bool pump_partition(reader_ptr self, int32_t p) {
  auto& st = self->state;
  if (static_cast<size_t>(p) >= st.cursors.partitions()) return false;
  auto from = st.cursors.ready(p);
  if (!from) return false;
  auto fetched = st.log->fetch(st.opt.stream, partition_id{p}, offset_t{*from}, st.opt.max_bytes);
  // Whatever the fetch answered, it is only of use if the stream is still the same creation.
  // Gone: retried on the idle timer; recreated: positions asked for, ticks follow.
  const auto now = sync_topic(self);
  st.fetch_failed.resize(st.cursors.partitions(), false);
  if (now != synced::same) {
    if (now == synced::gone && static_cast<size_t>(p) < st.fetch_failed.size())
      st.fetch_failed[static_cast<size_t>(p)] = true;
    return false;
  }
  st.fetch_failed.resize(st.cursors.partitions(), false);
  st.fetch_failed[static_cast<size_t>(p)] = !fetched;
  if (!fetched) {
    if (fetched.error().code() == errc::offset_out_of_range) {
      // Retention removed records we never read; skip to the log start and say so loudly.
      auto start =
          st.log->list_offset(st.opt.stream, partition_id{p}, storage::offset_spec::earliest);
      if (start) {
        if (auto lost = st.cursors.skip_to_log_start(p, start->get())) {
          st.fetch_failed[static_cast<size_t>(p)] = false;
          note_error(self, *lost);
          schedule_tick(self, std::chrono::milliseconds{0}); // fetch on from the log start
          return true;
        }
      }
    }
    note_error(self, fetched.error().to_string());
    return false;
  }
  if (fetched->records.empty()) return false;
  raw_batch batch;
  batch.topic = st.opt.stream;
  batch.partition = p;
  batch.next_offset = fetched->records.back().offset.get() + 1;
  batch.records = std::move(fetched->records);
  const int64_t inc = st.cursors.incarnation().value_or(0);
  batch.incarnation = inc;
  auto n = static_cast<int64_t>(batch.records.size());
  st.cursors.begin(p);
  // Settles a batch of a previous incarnation: its partition may fetch again, its answer
  // moves no position (the new incarnation's come from the sink).
  auto stale = [=] {
    auto& s = self->state;
    if (s.cursors.incarnation() == inc) return false;
    if (static_cast<size_t>(p) < s.cursors.partitions()) s.cursors.fail(p);
    schedule_tick(self, std::chrono::milliseconds{0});
    return true;
  };
  self->request(st.cleaner, caf::infinite, std::move(batch))
      .then(
          [=](warehouse::stream_batch& cleaned) {
            self->request(self->state.sink, caf::infinite, std::move(cleaned))
                .then(
                    [=](int64_t committed) {
                      if (stale()) return;
                      self->state.cursors.acknowledge(p, committed);
                      self->state.stats.items += n;
                      schedule_tick(self, std::chrono::milliseconds{0});
                    },
                    [=](caf::error& err) {
                      if (stale()) return;
                      self->state.cursors.fail(p);
                      note_error(self, "sink: " + self->system().render(err));
                      schedule_tick(self, std::chrono::milliseconds{200});
                    });
          },
          [=](caf::error& err) {
            if (stale()) return;
            self->state.cursors.fail(p);
            note_error(self, "cleaner: " + self->system().render(err));
            schedule_tick(self, std::chrono::milliseconds{200});
          });
  return true;
}

/// Caught up: waits for records without polling. Each idle partition gets a log watch
/// that wakes the actor when its high watermark passes the cursor; while the last fetch
/// of some partition failed, a timer of opt.idle_poll retries it (no timer otherwise).
void wait_for_records(reader_ptr self) {
  auto& st = self->state;
  auto handle = caf::actor_cast<caf::actor>(self);
  auto& watches = *st.watches;
  watches.resize(st.cursors.partitions(), 0);
  st.fetch_failed.resize(st.cursors.partitions(), false);
  for (int32_t p = 0; p < static_cast<int32_t>(st.cursors.partitions()); ++p) {
    auto i = static_cast<size_t>(p);
    auto from = st.cursors.ready(p);
    if (!from || st.fetch_failed[i] || watches[i] != 0) continue;
    watches[i] = st.log->watch(st.opt.stream, partition_id{p}, offset_t{*from},
                               [handle, p] { caf::anon_send(handle, wake_atom::value, p); });
  }
  // Also retried on the timer: a stream that was not there yet (or is gone) - no watch can
  // tell when it is created.
  const bool any_failed =
      !st.cursors.incarnation() ||
      std::find(st.fetch_failed.begin(), st.fetch_failed.end(), true) != st.fetch_failed.end();
  if (any_failed && !st.idle_pending) {
    st.idle_pending = true;
    self->delayed_send(self, st.opt.idle_poll, idle_atom::value);
  }
}

caf::behavior stream_reader(reader_ptr self, logclient::log_client* log, stream_reader_options opt,
                            cleaner_actor cleaner, sink_actor sink) {
  auto& st = self->state;
  st.log = log;
  st.opt = std::move(opt);
  st.cleaner = std::move(cleaner);
  st.sink = std::move(sink);
  st.stats.name = "stream-reader " + st.opt.stream;
  self->attach_functor([log, watches = st.watches] {
    for (auto id : *watches)
      if (id != 0) log->cancel_watch(id);
  });
  if (sync_topic(self) == synced::gone) wait_for_records(self); // retried on the idle timer
  return {
      [=](tick_atom) {
        self->state.tick_pending = false;
        if (!self->state.cursors.incarnation()) sync_topic(self);
        bool busy = false;
        for (int32_t p = 0; p < static_cast<int32_t>(self->state.cursors.partitions()); ++p)
          busy = pump_partition(self, p) || busy;
        if (!busy) wait_for_records(self);
      },
      [=](wake_atom, int32_t p) {
        auto& watches = *self->state.watches;
        if (p >= 0 && static_cast<size_t>(p) < watches.size())
          watches[static_cast<size_t>(p)] = 0;
        schedule_tick(self, std::chrono::milliseconds{0});
      },
      [=](idle_atom) {
        self->state.idle_pending = false;
        schedule_tick(self, std::chrono::milliseconds{0});
      },
      [=](stats_atom) { return self->state.stats; },
  };
}

} // namespace

caf::actor spawn_stream_reader(caf::actor_system& sys, logclient::log_client& log,
                               stream_reader_options opt, cleaner_actor cleaner, sink_actor sink) {
  return sys.spawn(stream_reader, &log, std::move(opt), std::move(cleaner), std::move(sink));
}

} // namespace pinpipe::actors
