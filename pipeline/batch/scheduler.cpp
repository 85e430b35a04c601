// The scheduler: which run is due (cron, start date, no catch-up), manual triggers,
// retries, and the run history in the batch_runs table. Calendar arithmetic is in
// civil_time.*, cron parsing in cron.cpp, the clock in sched_clock.cpp.
#include "pipeline/batch/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <sstream>

#include "common/logging.hpp"
#include "pipeline/batch/civil_time.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch {

using namespace civil_time;

// -- run history in SQLite ------------------------------------------------------------------

namespace {

const char* const create_sql = R"(
CREATE TABLE IF NOT EXISTS batch_runs (
  run_id TEXT NOT NULL,
  dag_id TEXT NOT NULL,
  scheduled_time TEXT NOT NULL,
  start_time TEXT,
  end_time TEXT,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (dag_id, run_id, attempt)
))";

namespace sql = warehouse::sql;
using sql::stmt;

/// An error of the run history (`st` from warehouse::sql: it names the statement or `what`).
status runs_error(const status& st, const std::string& what = "") {
  return {errc::io_error, "batch_runs: " + (what.empty() ? "" : what + ": ") + st.message() +
                              " (check that the warehouse file is writable)"};
}
/// The prepare error of `q`, naming `what`.
status prepare_error(const stmt& q, const std::string& what) {
  return runs_error(q.prepare_status(), what);
}

bool valid_end_state(const std::string& s) {
  return s == "success" || s == "failed" || s == "up_for_retry";
}

} // namespace

scheduler::scheduler(sqlite3* db, bool owned, scheduler_options opt, cron_schedule cron,
                     const sched_clock& clock)
    : db_(db), owned_(owned), opt_(std::move(opt)), cron_(std::move(cron)), clock_(clock) {}

scheduler::~scheduler() {
  if (owned_) sqlite3_close(db_);
}

result<std::unique_ptr<scheduler>> scheduler::open(sqlite3* db, scheduler_options opt,
                                                   const sched_clock& clock) {
  if (opt.dag_id.empty())
    return status{errc::invalid_config, "scheduler: dag_id is empty; it should be <uid>_dag"};
  if (opt.retries < 0)
    return status{errc::invalid_config,
                  "[scheduler] retries: expected >= 0, got " + std::to_string(opt.retries)};
  if (opt.retry_delay_s < 0)
    return status{errc::invalid_config, "[scheduler] retry_delay_s: expected >= 0, got " +
                                            std::to_string(opt.retry_delay_s)};
  auto cron = cron_schedule::parse(opt.schedule);
  if (!cron) return status{errc::invalid_config, "[scheduler] schedule: " + cron.error().message()};
  std::unique_ptr<scheduler> s(
      new scheduler(db, false, std::move(opt), std::move(cron.value()), clock));
  if (auto st = s->init_table(); !st.ok()) return st;
  if (s->opt_.start_date == start_date_auto) {
    stmt q(db, "SELECT 1 FROM batch_runs WHERE dag_id = ? AND run_id LIKE 'scheduled\\_\\_%' "
               "ESCAPE '\\' LIMIT 1");
    if (!q.ok()) return prepare_error(q, "reading the run history");
    q.bind(1, s->opt_.dag_id);
    auto row = q.next("reading the run history");
    if (!row) return runs_error(row.error());
    s->opt_.start_date = *row ? 0 : clock.now();
  }
  return s;
}

result<std::unique_ptr<scheduler>> scheduler::open(const std::string& path, scheduler_options opt,
                                                   const sched_clock& clock) {
  // Waits up to 5 s for a lock: the sink writes the same file.
  auto db = sql::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db)
    return status{errc::io_error, "cannot open warehouse '" + path + "' for the run history: " +
                                      db.error().message() + "; check the path and permissions"};
  auto s = open(db->get(), std::move(opt), clock);
  if (!s) return s.error(); // db closes the connection
  s.value()->owned_ = true;
  db->release();
  return s;
}

status scheduler::init_table() {
  if (auto st = sql::exec(db_, create_sql); !st)
    return {errc::io_error, "cannot create table batch_runs: " + st.message()};
  return {};
}

result<unix_time> start_date_setting(const std::string& text) {
  if (text.empty()) return start_date_auto;
  auto t = parse_utc(text);
  if (!t) return status{errc::invalid_config, "[scheduler] start_date: " + t.error().message()};
  return *t;
}

unix_time scheduler::next_fire_time(unix_time after) const {
  return cron_.next_fire_time(std::max(after, opt_.start_date - 1));
}

result<std::optional<planned_run>> scheduler::due_run(unix_time now) const {
  {
    stmt q(db_, "SELECT run_id, scheduled_time FROM batch_runs WHERE dag_id = ? AND "
                "state = 'queued' ORDER BY scheduled_time, run_id LIMIT 1");
    if (!q.ok()) return prepare_error(q, "reading queued runs");
    q.bind(1, opt_.dag_id);
    auto row = q.next("reading queued runs");
    if (!row) return runs_error(row.error());
    if (*row) {
      auto t = parse_utc(q.text(1));
      return std::optional<planned_run>(planned_run{q.text(0), t ? *t : now, true});
    }
  }
  if (now < opt_.start_date) return std::optional<planned_run>();
  unix_time fire = cron_.prev_fire_time(now); // no catch-up: only the latest fire time
  if (fire < opt_.start_date) return std::optional<planned_run>();
  std::string id = "scheduled__" + iso_utc(fire);
  stmt q(db_, "SELECT 1 FROM batch_runs WHERE dag_id = ? AND run_id = ? LIMIT 1");
  if (!q.ok()) return prepare_error(q, "looking up run " + id);
  q.bind(1, opt_.dag_id).bind(2, id);
  auto row = q.next("looking up run " + id);
  if (!row) return runs_error(row.error());
  if (*row) return std::optional<planned_run>();
  return std::optional<planned_run>(planned_run{id, fire, false});
}

result<planned_run> scheduler::trigger_manual(bool claim) {
  unix_time now = clock_.now();
  std::string base = "manual__" + iso_utc(now);
  for (int n = 1; n < 1000; ++n) {
    std::string id = n == 1 ? base : base + "-" + std::to_string(n);
    stmt q(db_, "INSERT OR IGNORE INTO batch_runs (run_id, dag_id, scheduled_time, start_time, "
                "state, attempt) VALUES (?, ?, ?, ?, ?, 1)");
    if (!q.ok()) return prepare_error(q, "queueing manual run");
    q.bind(1, id).bind(2, opt_.dag_id).bind(3, format_utc(now));
    if (claim)
      q.bind(4, format_utc(now));
    else
      q.bind_null(4);
    q.bind(5, std::string(claim ? "running" : "queued"));
    if (auto st = q.run("queueing manual run"); !st) return runs_error(st);
    if (q.changes() == 1) {
      logging::get("scheduler")
          ->info("{}: {} manual run {}", opt_.dag_id, claim ? "started" : "queued", id);
      return planned_run{id, now, true};
    }
  }
  return status{errc::internal, "too many manual runs triggered in the same second"};
}

status scheduler::record_start(const planned_run& run, int32_t attempt) {
  stmt q(db_, "INSERT INTO batch_runs (run_id, dag_id, scheduled_time, start_time, end_time, "
              "state, attempt, error) VALUES (?, ?, ?, ?, NULL, 'running', ?, NULL) "
              "ON CONFLICT (dag_id, run_id, attempt) DO UPDATE SET start_time = "
              "excluded.start_time, end_time = NULL, state = 'running', error = NULL");
  if (!q.ok()) return prepare_error(q, "recording the start of " + run.run_id);
  q.bind(1, run.run_id).bind(2, opt_.dag_id).bind(3, format_utc(run.scheduled_time));
  q.bind(4, format_utc(clock_.now())).bind(5, int64_t{attempt});
  if (auto st = q.run("recording the start of " + run.run_id); !st) return runs_error(st);
  return {};
}

status scheduler::record_end(const std::string& run_id, int32_t attempt, const std::string& state,
                             const std::string& error) {
  if (!valid_end_state(state))
    return {errc::invalid_argument,
            "end state '" + state + "' is not one of success, failed, up_for_retry"};
  stmt q(db_, "UPDATE batch_runs SET end_time = ?, state = ?, error = ? WHERE dag_id = ? AND "
              "run_id = ? AND attempt = ?");
  if (!q.ok()) return prepare_error(q, "recording the end of " + run_id);
  q.bind(1, format_utc(clock_.now())).bind(2, state);
  if (error.empty())
    q.bind_null(3);
  else
    q.bind(3, error);
  q.bind(4, opt_.dag_id).bind(5, run_id).bind(6, int64_t{attempt});
  if (auto st = q.run("recording the end of " + run_id); !st) return runs_error(st);
  if (q.changes() != 1)
    return {errc::not_found, "run " + run_id + " attempt " + std::to_string(attempt) +
                                 " was never started; call record_start first"};
  return {};
}

namespace {

result<std::vector<run_record>> runs_of(sqlite3* db, const std::string& dag_id) {
  stmt q(db, "SELECT run_id, dag_id, scheduled_time, start_time, end_time, state, attempt, "
             "error FROM batch_runs WHERE dag_id = ? ORDER BY scheduled_time, run_id, attempt");
  if (!q.ok()) return prepare_error(q, "listing runs");
  q.bind(1, dag_id);
  std::vector<run_record> out;
  for (;;) {
    auto row = q.next("listing runs");
    if (!row) return runs_error(row.error());
    if (!*row) return out;
    out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                   static_cast<int32_t>(q.integer(6)), q.text(7)});
  }
}

} // namespace

result<std::vector<run_record>> scheduler::list_runs() const {
  return runs_of(db_, opt_.dag_id);
}

result<std::vector<run_record>> read_run_history(const std::string& path,
                                                 const std::string& dag_id) {
  auto db = sql::open_readonly(path);
  if (!db) return db.error();
  if (!stmt(db->get(), "SELECT 1 FROM batch_runs LIMIT 0").ok())
    return std::vector<run_record>{}; // no run recorded yet
  return runs_of(db->get(), dag_id);
}

result<std::string> scheduler::run_with_retries(const planned_run& run, const job_fn& job,
                                                const sleep_fn& sleep) {
  auto log = logging::get("scheduler");
  const int32_t attempts = 1 + opt_.retries;
  for (int32_t a = 1;; ++a) {
    if (auto st = record_start(run, a); !st.ok()) return st;
    log->info("{}: run {} attempt {}/{} started", opt_.dag_id, run.run_id, a, attempts);
    status result_st;
    try {
      result_st = job(run, a);
    } catch (const std::exception& e) {
      result_st = {errc::internal, std::string("the batch job threw: ") + e.what()};
    } catch (...) {
      result_st = {errc::internal, "the batch job threw an unknown exception"};
    }
    if (result_st.ok()) {
      if (auto st = record_end(run.run_id, a, "success"); !st.ok()) return st;
      log->info("{}: run {} attempt {} succeeded", opt_.dag_id, run.run_id, a);
      return std::string("success");
    }
    const bool last = a >= attempts;
    if (auto st =
            record_end(run.run_id, a, last ? "failed" : "up_for_retry", result_st.to_string());
        !st.ok())
      return st;
    if (last) {
      log->error("{}: run {} failed after {} attempt(s): {}", opt_.dag_id, run.run_id, a,
                 result_st.to_string());
      return std::string("failed");
    }
    log->warn("{}: run {} attempt {} failed ({}); retrying in {} s", opt_.dag_id, run.run_id, a,
              result_st.to_string(), opt_.retry_delay_s);
    if (sleep) sleep(opt_.retry_delay_s);
  }
}

} // namespace pinpipe::batch
