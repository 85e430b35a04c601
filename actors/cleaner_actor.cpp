#include "actors/cleaner_actor.hpp"

#include "pipeline/clean/cleaner.hpp"

namespace pinpipe::actors {

warehouse::stream_batch clean_batch(const raw_batch& b) {
  warehouse::stream_batch out;
  out.topic = b.topic;
  out.partition = b.partition;
  out.next_offset = b.next_offset;
  out.incarnation = b.incarnation;
  auto k = clean::kind_of(b.topic);
  out.rows.reserve(b.records.size());
  for (const auto& r : b.records) {
    auto dead = [&](std::string reason) {
      out.dead.push_back(warehouse::dead_letter{"stream", b.topic, b.partition, r.offset.get(),
                                                r.rec.value, std::move(reason), b.incarnation});
    };
    if (!k) {
      dead("stream '" + b.topic + "' is not a pin, geo or user stream");
      continue;
    }
    auto row = clean::clean(*k, r.rec.value);
    if (row)
      out.rows.emplace_back(r.offset.get(), std::move(*row));
    else
      dead(row.error().message());
  }
  return out;
}

namespace {

cleaner_actor::behavior_type cleaner(cleaner_actor::pointer) {
  return {[](raw_batch& b) -> warehouse::stream_batch { return clean_batch(b); }};
}

} // namespace

cleaner_actor spawn_cleaner(caf::actor_system& sys) {
  return sys.spawn(cleaner);
}

} // namespace pinpipe::actors
