// The scheduler actor: the Airflow DAG counterpart. Once a second it asks the scheduler
// (pipeline/batch/scheduler.hpp) whether a run is due (cron schedule, start date, no
// catch-up) and runs the batch job with retries, recording every attempt in batch_runs.
//
// Messages: trigger_atom -> run_outcome (queues a manual run and runs it now; the reply
// comes when it has finished), runs_atom -> std::vector<batch::run_record>, tick (internal).
// Runs detached: a batch run takes seconds and a retry waits retry_delay_s.
#pragma once

#include <functional>
#include <memory>

#include "actors/actor_thread.hpp"
#include "actors/interfaces.hpp"
#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::actors {

/// The batch job itself: runs `run_id` into its results directory and fills `outcome`
/// (results_dir, report); returns the error that fails the attempt.
using batch_job = std::function<status(const std::string& run_id, run_outcome& outcome)>;

struct scheduler_actor_options {
  std::string warehouse_path; ///< batch_runs lives in the warehouse file
  batch::scheduler_options schedule;
  bool automatic = true; ///< false: only manual triggers (tests, simulate)
  /// Where "now" comes from and how a retry waits; unset: the system clock and a real
  /// sleep. Tests pass a fake clock (it must outlive the actor) and a sleep that advances it.
  const batch::sched_clock* clock = nullptr;
  batch::scheduler::sleep_fn sleep;
  actor_thread thread = actor_thread::own; ///< shared: tests with CAF's test coordinator
};

result<caf::actor> spawn_scheduler(caf::actor_system& sys, scheduler_actor_options opt,
                                   batch_job job);

} // namespace pinpipe::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<pinpipe::batch::run_record>)
