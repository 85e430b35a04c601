// The scheduler: pinpipe's counterpart of the course's Airflow DAG (PIPELINE.md section 9).
// Job "<uid>_dag" runs the batch job on a cron-like schedule (default "0 0 * * *", UTC)
// from a fixed start date, with no catch-up (after missed fire times only the latest one
// runs) and retries (default 1) after a delay (default 120 s). Every attempt is a row of
// the SQLite table batch_runs in the warehouse file:
//
//   batch_runs(run_id TEXT, dag_id TEXT, scheduled_time TEXT, start_time TEXT,
//              end_time TEXT, state TEXT, attempt INTEGER, error TEXT,
//              PRIMARY KEY (dag_id, run_id, attempt))
//
// Times are UTC text "YYYY-MM-DD HH:MM:SS". state is one of queued (a manual trigger not
// started yet), running, up_for_retry (this attempt failed, another follows), success,
// failed (last attempt failed). Run ids: "scheduled__2026-11-22T00:00:00" (named after the
// fire time at which the run became due) and "manual__2026-11-22T10:15:30".
//
// Time is injected (sched_clock), so tests are deterministic. Lifecycle/threading: one
// scheduler per DAG, used from one thread (the scheduler actor); it holds its own SQLite
// connection when opened by path. See docs/scheduler.md.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"

struct sqlite3;

namespace pinpipe::batch {

/// Seconds since 1970-01-01 00:00:00 UTC.
using unix_time = int64_t;

/// "YYYY-MM-DD HH:MM:SS" (UTC).
std::string format_utc(unix_time t);
/// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" (UTC).
result<unix_time> parse_utc(const std::string& text);

/// A 5-field cron expression "minute hour day-of-month month day-of-week" (UTC) with
/// `*`, numbers, lists `a,b`, ranges `a-b` and steps `*/n`, `a-b/n`, `a/n`; day-of-week
/// 0-7 (0 and 7 are Sunday); when both day fields are restricted a day matching either
/// fires (classic cron). Macros: @yearly @annually @monthly @weekly @daily @midnight
/// @hourly.
class cron_schedule {
public:
  /// Errors name the field and the problem, e.g.
  /// "cron '61 * * * *': minute: 61 is out of range 0-59".
  static result<cron_schedule> parse(const std::string& expr);

  /// First fire time strictly after `after`.
  unix_time next_fire_time(unix_time after) const;
  /// Last fire time at or before `at`.
  unix_time prev_fire_time(unix_time at) const;
  const std::string& expression() const { return expr_; }

private:
  bool day_matches(int64_t days_since_epoch) const;
  std::string expr_;
  std::bitset<60> minute_;
  std::bitset<24> hour_;
  std::bitset<32> dom_;   // 1..31
  std::bitset<13> month_; // 1..12
  std::bitset<7> dow_;    // 0..6, Sunday = 0
  bool dom_star_ = true;
  bool dow_star_ = true;
};

/// Injected time.
class sched_clock {
public:
  virtual ~sched_clock() = default;
  virtual unix_time now() const = 0;
};
/// The real clock (std::chrono::system_clock).
const sched_clock& system_sched_clock();

/// scheduler_options::start_date value for "from the first start" (config start_date = "").
constexpr unix_time start_date_auto = -1;

/// The [scheduler] start_date setting: "" -> start_date_auto, else parse_utc (an
/// invalid_config error naming the key when it does not parse).
result<unix_time> start_date_setting(const std::string& text);

struct scheduler_options {
  std::string dag_id;                 ///< "<uid>_dag"
  std::string schedule = "0 0 * * *"; ///< cron or macro, UTC
  /// No run is scheduled before this. start_date_auto: while the DAG has no scheduled runs
  /// yet (manual ones do not count), the moment the scheduler is opened, so a fresh node
  /// waits for the next fire time instead of running at once on an empty lake; once it has
  /// a scheduled run, the run history decides.
  unix_time start_date = 0;
  int32_t retries = 1; ///< extra attempts after a failure
  int64_t retry_delay_s = 120;
};

/// A run that should start now.
struct planned_run {
  std::string run_id;
  unix_time scheduled_time = 0;
  bool manual = false;
};

/// One row of batch_runs.
struct run_record {
  std::string run_id;
  std::string dag_id;
  std::string scheduled_time;
  std::string start_time; ///< "" while queued
  std::string end_time;   ///< "" while queued or running
  std::string state;
  int32_t attempt = 0;
  std::string error;
  friend bool operator==(const run_record& a, const run_record& b) {
    return a.run_id == b.run_id && a.dag_id == b.dag_id && a.scheduled_time == b.scheduled_time &&
           a.start_time == b.start_time && a.end_time == b.end_time && a.state == b.state &&
           a.attempt == b.attempt && a.error == b.error;
  }
};

/// The run history of `dag_id` in the warehouse at `path`, opened read-only (never created
/// or changed; `pinpipe status` reads it while a node writes). Empty when no run was ever
/// recorded. Ordered as scheduler::list_runs.
result<std::vector<run_record>> read_run_history(const std::string& path,
                                                 const std::string& dag_id);

class scheduler {
public:
  /// Uses `db` (not owned; must outlive the scheduler). Creates batch_runs if needed.
  static result<std::unique_ptr<scheduler>> open(sqlite3* db, scheduler_options opt,
                                                 const sched_clock& clock);
  /// Opens (creating) the SQLite file at `path` with its own connection.
  static result<std::unique_ptr<scheduler>> open(const std::string& path, scheduler_options opt,
                                                 const sched_clock& clock);
  ~scheduler();
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  /// First fire time strictly after `after`, not before the start date.
  unix_time next_fire_time(unix_time after) const;

  /// What should run now: the oldest queued manual run, else the latest scheduled fire
  /// time <= now (>= start date) when no run with that id exists yet. Missed earlier fire
  /// times are never returned (no catch-up).
  result<std::optional<planned_run>> due_run(unix_time now) const;

  /// Queues a manual run (state queued, attempt 1) at the clock's time and returns it.
  /// claim = true records it as running instead, for a caller that runs it itself at once
  /// (`pinpipe batch run`): a node's scheduler watching the same warehouse never picks up
  /// a run that is not queued, so the run cannot happen twice.
  result<planned_run> trigger_manual(bool claim = false);

  /// Records the start of an attempt (state running, start_time = now).
  status record_start(const planned_run& run, int32_t attempt);
  /// Records the end of an attempt: state success, up_for_retry or failed.
  status record_end(const std::string& run_id, int32_t attempt, const std::string& state,
                    const std::string& error = "");

  /// Every attempt of this DAG, ordered by scheduled_time, run_id, attempt.
  result<std::vector<run_record>> list_runs() const;

  /// The job: returns ok or the error to record. Exceptions are caught and recorded.
  using job_fn = std::function<status(const planned_run& run, int32_t attempt)>;
  /// Waits the given number of seconds (tests advance a fake clock instead).
  using sleep_fn = std::function<void(int64_t seconds)>;

  /// Runs `run` with up to 1 + retries attempts, sleeping retry_delay_s between them, and
  /// records each attempt. Returns the final state ("success" or "failed"); an error
  /// status only when recording fails.
  result<std::string> run_with_retries(const planned_run& run, const job_fn& job,
                                       const sleep_fn& sleep);

  const scheduler_options& options() const { return opt_; }
  const cron_schedule& schedule() const { return cron_; }

private:
  scheduler(sqlite3* db, bool owned, scheduler_options opt, cron_schedule cron,
            const sched_clock& clock);
  status init_table();

  sqlite3* db_;
  bool owned_;
  scheduler_options opt_;
  cron_schedule cron_;
  const sched_clock& clock_;
};

} // namespace pinpipe::batch
