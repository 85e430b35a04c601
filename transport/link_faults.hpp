// The fault switch of one node link (transport/peer_mesh.hpp): drop, delay, duplicate and
// reorder frames with given probabilities, or cut the link in one or both directions.
// Compiled into every build, OFF by default, and changed only by an explicit call
// (peer_mesh::set_faults); issue 15 exposes it through an admin request when the config
// has `[faults] allow = true`. Decisions come from a generator seeded per link, so a test
// (or a chaos run) with the same seed and the same traffic makes the same decisions.
//
// Threading: set() and snapshot() from any thread; decide() from the link's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace pinpipe::transport {

struct fault_config {
  double drop = 0;      ///< probability that a frame is lost
  double duplicate = 0; ///< probability that a frame is sent twice
  double delay = 0;     ///< probability that a frame is held for [delay_min_ms, delay_max_ms]
  int delay_min_ms = 10;
  int delay_max_ms = 100;
  double reorder = 0; ///< probability that a frame is held up to reorder_window_ms (later
                      ///< frames overtake it)
  int reorder_window_ms = 20;
  bool cut_outbound = false; ///< nothing we send to the peer leaves
  bool cut_inbound = false;  ///< everything the peer sends us is discarded on arrival
  uint64_t seed = 1;
  /// All zero / false: the switch is off.
  bool active() const {
    return drop > 0 || duplicate > 0 || delay > 0 || reorder > 0 || cut_outbound || cut_inbound;
  }
};

/// "" when `c` is usable, else what is wrong (probabilities outside [0, 1], bad delays).
std::string check(const fault_config& c);

class link_faults {
public:
  using clock = std::chrono::steady_clock;

  /// Replaces the configuration and reseeds the generator (mixing in `link_salt`, so
  /// links sharing a seed still decide independently).
  void set(const fault_config& c, uint64_t link_salt);
  fault_config snapshot() const;
  bool cut_inbound() const;

  /// What to do with one outgoing frame: the times at which to send copies of it (empty:
  /// drop it; one entry at `now`: send it normally), and what happened. Heartbeat frames
  /// (sent on a timer) draw from their own generator, so the decisions for the Raft
  /// messages depend only on the seed and the order of those messages.
  struct verdict {
    std::vector<clock::time_point> sends;
    bool cut = false, dropped = false, duplicated = false, delayed = false, reordered = false;
  };
  verdict decide(clock::time_point now, bool heartbeat_frame);

private:
  mutable std::mutex mu_;
  fault_config cfg_;
  std::mt19937_64 rng_{1};    ///< raft messages
  std::mt19937_64 hb_rng_{2}; ///< heartbeat frames
  bool active_ = false;
};

} // namespace pinpipe::transport
