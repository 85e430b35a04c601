// A relay in front of the real sink actor that records what the stream reader delivers:
// every batch (partition, first offset, next offset, committed or failed) and how many
// batches of each partition were at the sink at the same time. It forwards everything to
// the real sink and returns the real sink's answers unchanged, so the pipeline under test
// is the real one; the relay only watches.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"

namespace pinpipe::actors::testing {

struct delivery {
  int32_t partition = 0;
  int64_t first = 0; ///< lowest offset in the batch (row or dead letter)
  int64_t next = 0;  ///< the batch's next_offset
  bool committed = false;
  std::string error; ///< the sink's error when not committed
};

struct relay_log {
  std::vector<delivery> deliveries; ///< in the order the sink answered
  std::map<int32_t, int> in_flight;
  int max_in_flight_one_partition = 0;
  int max_in_flight_all = 0;
  int position_asks = 0;

  std::vector<delivery> of(int32_t p) const {
    std::vector<delivery> out;
    for (const auto& d : deliveries)
      if (d.partition == p) out.push_back(d);
    return out;
  }
};

inline int64_t first_offset(const warehouse::stream_batch& b) {
  int64_t first = b.next_offset;
  if (!b.rows.empty()) first = std::min(first, b.rows.front().first);
  if (!b.dead.empty()) first = std::min(first, b.dead.front().offset);
  return first;
}

inline sink_actor spawn_relay(caf::actor_system& sys, sink_actor real,
                              std::shared_ptr<relay_log> log) {
  return sys.spawn([=](sink_actor::pointer self) -> sink_actor::behavior_type {
    return {
        [=](warehouse::stream_batch& b) -> caf::result<int64_t> {
          delivery d;
          d.partition = b.partition;
          d.first = first_offset(b);
          d.next = b.next_offset;
          int now = ++log->in_flight[d.partition];
          int all = 0;
          for (const auto& kv : log->in_flight)
            all += kv.second;
          log->max_in_flight_one_partition = std::max(log->max_in_flight_one_partition, now);
          log->max_in_flight_all = std::max(log->max_in_flight_all, all);
          auto rp = self->make_response_promise<int64_t>();
          self->request(real, caf::infinite, std::move(b))
              .then(
                  [=](int64_t next) mutable {
                    --log->in_flight[d.partition];
                    auto done = d;
                    done.committed = true;
                    log->deliveries.push_back(done);
                    rp.deliver(next);
                  },
                  [=](caf::error& err) mutable {
                    --log->in_flight[d.partition];
                    auto failed = d;
                    failed.error = self->system().render(err);
                    log->deliveries.push_back(failed);
                    rp.deliver(err);
                  });
          return rp;
        },
        [=](position_atom a, const std::string& topic, int32_t p) -> caf::result<int64_t> {
          ++log->position_asks;
          return self->delegate(real, a, topic, p);
        },
        [=](stats_atom a) -> caf::result<actor_stats> { return self->delegate(real, a); },
    };
  });
}

} // namespace pinpipe::actors::testing
