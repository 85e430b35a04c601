// A seeded, deterministic simulation of one Raft group (modelled on TigerBeetle's
// packet_simulator.zig and cluster simulator). One seed fixes everything: the fault rates,
// the network (drop, delay, duplicate, reorder by random delays, partitions including
// one-way ones), the disks (a write is durable only after its simulated fsync; a crash
// keeps what was synced plus, by chance, some unsynced writes, the last one possibly torn),
// crashes and restarts, compaction, the clients and the clock. The checker
// (sim_checker.hpp) runs after every step.
//
// A run has a fault phase, then heals everything (network, crashed nodes) and waits for
// the group to converge; then every acknowledged acks=all write must be in the final log
// exactly once.
#pragma once

#include <cstdint>
#include <string>

namespace pinpipe::raft::sim {

struct sim_options {
  uint64_t seed = 1;
  int nodes = 3;
  bool trace = false;      ///< print every event to stdout
  int64_t fault_ms = 3000; ///< simulated time with faults and new client writes
  int64_t heal_ms = 6000;  ///< time allowed to converge after healing
  /// Followers acknowledge appends before their fsync, and the host sends messages
  /// before the fsync of their ready (needs the PINPIPE_RAFT_TEST_FAULTS build).
  bool fault_ack_before_persist = false;
  bool fault_commit_old_terms = false;
  /// Check "committed => on a majority of disks" at each commit. Off only to show that
  /// the other checks catch the data loss a broken persistence rule causes.
  bool check_durability = true;
};

struct sim_result {
  bool ok = true;
  std::string violation;
  uint64_t steps = 0;
  int64_t acked_all = 0;   ///< acks=all writes acknowledged to clients
  int64_t committed = 0;   ///< batches in the final committed log
  int64_t leaders = 0;     ///< terms that had a leader
  int64_t crashes = 0;
  int64_t resets = 0;      ///< followers restarted at the leader's log_start
  int64_t truncations = 0; ///< divergent tails truncated
  int64_t duplicates = 0;  ///< retries answered as duplicates
  int64_t transfers = 0;   ///< timeout_now messages delivered
  int64_t converged_ms = 0; ///< simulated time at which the healed group converged
  std::string params;       ///< the fault rates this seed chose
};

sim_result run_simulation(const sim_options& opt);

} // namespace pinpipe::raft::sim
