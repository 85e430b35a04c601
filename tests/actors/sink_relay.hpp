// A relay in front of the real sink actor that records what the stream reader delivers:
// every batch (partition, first offset, next offset, committed or failed) and how many
// batches of each partition were at the sink at the same time. It forwards everything to
// the real sink and returns the real sink's answers unchanged, so the pipeline under test
// is the real one; the relay only watches. It can hold the batches of chosen partitions
// (as a slow sink would) until it gets release_atom, so partitions progress at different
// speeds.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/interfaces.hpp"

namespace pinpipe::actors::testing {

using release_atom = caf::atom_constant<caf::atom("release")>;

struct delivery {
  int32_t partition = 0;
  int64_t first = 0; ///< lowest offset in the batch (row or dead letter)
  int64_t next = 0;  ///< the batch's next_offset
  bool committed = false;
  std::string error; ///< the sink's error when not committed
};

struct relay_log {
  std::vector<delivery> arrivals;   ///< in the order the reader sent them
  std::vector<delivery> deliveries; ///< in the order the sink answered
  std::map<int32_t, int> in_flight;
  int max_in_flight_one_partition = 0;
  int max_in_flight_all = 0;
  int position_asks = 0;
  std::set<int32_t> held; ///< partitions whose batches wait for release_atom

  static std::vector<delivery> of(const std::vector<delivery>& v, int32_t p) {
    std::vector<delivery> out;
    for (const auto& d : v)
      if (d.partition == p) out.push_back(d);
    return out;
  }
  std::vector<delivery> of(int32_t p) const { return of(deliveries, p); }
  std::vector<delivery> arrived(int32_t p) const { return of(arrivals, p); }
};

inline int64_t first_offset(const warehouse::stream_batch& b) {
  int64_t first = b.next_offset;
  if (!b.rows.empty()) first = std::min(first, b.rows.front().first);
  if (!b.dead.empty()) first = std::min(first, b.dead.front().offset);
  return first;
}

/// Spawns the relay; it answers the sink interface (plus release_atom, sent to it as a
/// caf::actor).
inline sink_actor spawn_relay(caf::actor_system& sys, sink_actor real,
                              std::shared_ptr<relay_log> log) {
  struct parked {
    warehouse::stream_batch batch;
    caf::response_promise rp;
    delivery d;
  };
  auto relay = sys.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto waiting = std::make_shared<std::vector<parked>>();
    auto forward = [=](warehouse::stream_batch b, caf::response_promise rp, delivery d) {
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
    };
    return {
        [=](warehouse::stream_batch& b) -> caf::result<int64_t> {
          delivery d;
          d.partition = b.partition;
          d.first = first_offset(b);
          d.next = b.next_offset;
          log->arrivals.push_back(d);
          int now = ++log->in_flight[d.partition];
          int all = 0;
          for (const auto& kv : log->in_flight)
            all += kv.second;
          log->max_in_flight_one_partition = std::max(log->max_in_flight_one_partition, now);
          log->max_in_flight_all = std::max(log->max_in_flight_all, all);
          auto rp = self->make_response_promise();
          if (log->held.count(d.partition) > 0)
            waiting->push_back(parked{std::move(b), rp, d});
          else
            forward(std::move(b), rp, d);
          return rp;
        },
        [=](release_atom) {
          log->held.clear();
          auto batches = std::move(*waiting);
          waiting->clear();
          for (auto& x : batches)
            forward(std::move(x.batch), x.rp, x.d);
        },
        [=](position_atom a, const std::string& topic, int32_t p) -> caf::result<int64_t> {
          ++log->position_asks;
          return self->delegate(real, a, topic, p);
        },
        [=](position_atom a, const std::string& topic, int32_t p,
            int64_t incarnation) -> caf::result<int64_t> {
          ++log->position_asks;
          return self->delegate(real, a, topic, p, incarnation);
        },
        [=](stats_atom a) -> caf::result<actor_stats> { return self->delegate(real, a); },
    };
  });
  return caf::actor_cast<sink_actor>(relay);
}

} // namespace pinpipe::actors::testing
