// The pipeline runtime: builds the actor graph of one node (README "The actor graph") on top
// of the node's log engine and keeps it running. `pinpipe simulate` starts every role in one
// process; `pinpipe node` starts the roles its config lists.
//
// Lifecycle: start() spawns gateway, connector, cleaner, sink, one stream reader per stream and
// the scheduler; start_emulators() adds the two emulators (batch and stream, as the course's two
// scripts); stop() ends every actor (the connector writes its partly full objects, the sink
// closes the warehouse) and waits for them. Threading: call from one thread (main). CAF stays
// inside pipeline_runtime.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/stats.hpp"
#include "common/config.hpp"
#include "common/status.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "pipeline/paths.hpp"
#include "logclient/local_log_client.hpp"

namespace caf {
class actor_system;
}

namespace pinpipe::actors {

struct runtime_options {
  config::config cfg;
  std::string data_dir; ///< holds source.db, log/, lake/, warehouse.db, results/
  bool gateway = true;
  int gateway_port = -1; ///< -1: from cfg.gateway.listen; 0: ephemeral
  bool connector = true;
  bool streams = true; ///< stream readers + cleaner + sink
  bool scheduler = true;
  bool scheduler_automatic = true; ///< run the daily schedule (simulate: manual only)
  int32_t cleaner_count = 1;
};

struct emulate_options {
  int64_t events = 500;             ///< per emulator
  double rate = 0;                  ///< events/s; 0 = as fast as possible
  bool course_timing = false;       ///< the course's random 0/1 s sleep before each event
  std::optional<uint64_t> seed;     ///< stream emulator uses seed + 1
  std::string transport = "direct"; ///< direct | http
  bool batch = true, stream = true;
};

/// What the node's warehouse holds for `pinpipe status` (warehouse_counts_request).
struct warehouse_view {
  bool exists = false; ///< false: no warehouse file yet
  std::vector<std::pair<std::string, int64_t>> tables; ///< warehouse::reported_tables, -1 = missing
  std::map<std::pair<std::string, int32_t>, int64_t> positions; ///< (stream, shard) -> next
};

class pipeline_runtime {
public:
  /// Spawns the graph into `sys` (which must outlive the runtime) over `log`.
  static result<std::unique_ptr<pipeline_runtime>>
  start(caf::actor_system& sys, storage::log_store& log, runtime_options opt);
  ~pipeline_runtime();

  status start_emulators(const emulate_options& opt);
  /// Every actor's counters (asked with a timeout; an actor that does not answer is
  /// reported with an error).
  std::vector<actor_stats> stats();
  bool emulators_finished();
  /// Records in the streams not yet committed to the stream tables (0 = caught up).
  result<int64_t> stream_lag();
  /// Moves everything the batch topics hold now into the lake and writes every partly full
  /// object; returns the connector's objects written.
  result<int64_t> flush_lake();
  /// flush_lake without blocking: `done` runs on a CAF thread with the result (the node
  /// answers flush_lake_request, `pinpipe batch run`'s first step, with it).
  void flush_lake_async(std::function<void(result<int64_t>)> done);
  /// Runs the batch job now (a manual run of the DAG) and waits for it.
  result<run_outcome> trigger_batch_run();
  result<std::vector<batch::run_record>> runs();

  // Node control (nodes/control_requests.cpp): each answers on a thread of its own (a
  // blocking actor, which the actor system waits for at shutdown), so neither the node's
  // transport thread nor the scheduler actor (busy while a run runs) waits for the
  // warehouse file. `done` runs on that thread.
  /// The DAG's run history (batch_runs), as `pinpipe batch runs` lists it. Unavailable
  /// without the scheduler role.
  void runs_async(std::function<void(result<std::vector<batch::run_record>>)> done);
  /// Queues a manual run (state queued) for this node's scheduler, which starts it within a
  /// second. Unavailable without the scheduler role.
  void queue_run_async(std::function<void(result<batch::planned_run>)> done);
  /// Table counts and the stream sinks' positions of this node's warehouse, read-only.
  void warehouse_async(std::function<void(result<warehouse_view>)> done);
  int gateway_port() const;
  const data_paths& paths() const;
  /// Ends every actor of the graph (not the rest of the actor system). Idempotent.
  void stop();

  struct impl;

private:
  explicit pipeline_runtime(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::actors
