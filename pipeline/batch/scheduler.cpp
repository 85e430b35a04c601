#include "pipeline/batch/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <sstream>

#include <sqlite3.h>

#include "common/logging.hpp"

namespace pinpipe::batch {

// -- civil time (UTC), after Howard Hinnant's date algorithms ----------------------------

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct civil {
  int64_t y;
  int m, d;
};

civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

int weekday_from_days(int64_t z) {
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/// "2026-11-22T00:00:00", the form used in run ids.
std::string iso_utc(unix_time t) {
  std::string s = format_utc(t);
  s[10] = 'T';
  return s;
}

} // namespace

std::string format_utc(unix_time t) {
  int64_t days = floor_div(t, 86400);
  int64_t secs = t - days * 86400;
  civil c = civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(c.y),
                c.m, c.d, static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

result<unix_time> parse_utc(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return status{errc::invalid_argument,
                  "time '" + text + "': " + why +
                      "; expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS (UTC)"};
  };
  if (text.size() != 10 && text.size() != 19) return bad("wrong length");
  auto num = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!num(0, 4, y) || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' || !num(8, 2, d))
    return bad("malformed date");
  if (text.size() == 19 &&
      ((text[10] != ' ' && text[10] != 'T') || !num(11, 2, h) || text[13] != ':' ||
       !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s)))
    return bad("malformed time of day");
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return bad("no such date");
  if (h > 23 || mi > 59 || s > 59) return bad("no such time of day");
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// -- cron ---------------------------------------------------------------------------------

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep)
      out.push_back(std::move(cur)), cur.clear();
    else
      cur.push_back(c);
  }
  out.push_back(cur);
  return out;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

/// Parses one field into a bit mask of allowed values in [lo, hi]; "" or an error text.
std::string parse_field(const std::string& text, int lo, int hi, uint64_t& mask) {
  mask = 0;
  auto range_text = [&] { return std::to_string(lo) + "-" + std::to_string(hi); };
  for (const std::string& item : split(text, ',')) {
    if (item.empty()) return "empty list item in '" + text + "'";
    auto slash = item.find('/');
    std::string base = item.substr(0, slash);
    int step = 1;
    if (slash != std::string::npos) {
      std::string st = item.substr(slash + 1);
      if (!parse_int(st, step) || step < 1)
        return "step '" + st + "' in '" + item + "' is not a positive number";
    }
    int a, b;
    if (base == "*") {
      a = lo, b = hi;
    } else {
      auto dash = base.find('-');
      std::string first = base.substr(0, dash);
      if (!parse_int(first, a)) return "'" + first + "' in '" + item + "' is not a number";
      if (dash != std::string::npos) {
        std::string second = base.substr(dash + 1);
        if (!parse_int(second, b)) return "'" + second + "' in '" + item + "' is not a number";
      } else {
        b = slash != std::string::npos ? hi : a; // "a/n" means a..max step n
      }
      if (a < lo || a > hi) return std::to_string(a) + " is out of range " + range_text();
      if (b < lo || b > hi) return std::to_string(b) + " is out of range " + range_text();
      if (a > b) return "range " + base + " runs backwards";
    }
    for (int v = a; v <= b; v += step)
      mask |= uint64_t{1} << v;
  }
  return "";
}

} // namespace

result<cron_schedule> cron_schedule::parse(const std::string& expr) {
  std::string e = expr;
  if (e == "@yearly" || e == "@annually")
    e = "0 0 1 1 *";
  else if (e == "@monthly")
    e = "0 0 1 * *";
  else if (e == "@weekly")
    e = "0 0 * * 0";
  else if (e == "@daily" || e == "@midnight")
    e = "0 0 * * *";
  else if (e == "@hourly")
    e = "0 * * * *";
  auto err = [&](const std::string& why) {
    return status{errc::invalid_config, "cron '" + expr + "': " + why};
  };
  if (!e.empty() && e[0] == '@')
    return err("unknown macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or "
               "@hourly");
  std::vector<std::string> f;
  std::istringstream in(e);
  for (std::string w; in >> w;)
    f.push_back(w);
  if (f.size() != 5)
    return err("expected 5 fields (minute hour day-of-month month day-of-week), got " +
               std::to_string(f.size()));
  static const char* names[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
  uint64_t masks[5];
  for (int i = 0; i < 5; ++i) {
    std::string why = parse_field(f[i], lo[i], hi[i], masks[i]);
    if (!why.empty()) return err(std::string(names[i]) + ": " + why);
  }
  cron_schedule c;
  c.expr_ = expr;
  c.minute_ = std::bitset<60>(masks[0]);
  c.hour_ = std::bitset<24>(masks[1]);
  c.dom_ = std::bitset<32>(masks[2]);
  c.month_ = std::bitset<13>(masks[3]);
  uint64_t dow = masks[4];
  if (dow & (uint64_t{1} << 7)) dow |= 1; // 7 is Sunday too
  c.dow_ = std::bitset<7>(dow & 0x7f);
  c.dom_star_ = f[2][0] == '*';
  c.dow_star_ = f[4][0] == '*';
  // A day-of-month that no allowed month has (e.g. "0 0 30 2 *") would never fire.
  if (!c.dom_star_ && c.dow_star_) {
    static const int max_dim[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool fires = false;
    for (int m = 1; m <= 12 && !fires; ++m)
      for (int d = 1; d <= max_dim[m] && c.month_[m] && !fires; ++d)
        fires = c.dom_[d];
    if (!fires) return err("never fires: no allowed month has the allowed day(s) of month");
  }
  return c;
}

bool cron_schedule::day_matches(int64_t days) const {
  bool dom_ok = dom_[static_cast<size_t>(civil_from_days(days).d)];
  bool dow_ok = dow_[static_cast<size_t>(weekday_from_days(days))];
  if (dom_star_ && dow_star_) return true;
  if (dom_star_) return dow_ok;
  if (dow_star_) return dom_ok;
  return dom_ok || dow_ok;
}

unix_time cron_schedule::next_fire_time(unix_time after) const {
  unix_time t = floor_div(after, 60) * 60 + 60;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    int64_t days = floor_div(t, 86400);
    civil c = civil_from_days(days);
    int64_t secs = t - days * 86400;
    int h = static_cast<int>(secs / 3600), mi = static_cast<int>(secs / 60 % 60);
    if (!month_[static_cast<size_t>(c.m)])
      t = days_from_civil(c.m == 12 ? c.y + 1 : c.y, c.m == 12 ? 1 : c.m + 1, 1) * 86400;
    else if (!day_matches(days))
      t = (days + 1) * 86400;
    else if (!hour_[static_cast<size_t>(h)])
      t = days * 86400 + (h + 1) * 3600;
    else if (!minute_[static_cast<size_t>(mi)])
      t += 60;
    else
      return t;
  }
  PINPIPE_ASSERT(false, "cron schedule never fires (parse() should have rejected it)");
}

unix_time cron_schedule::prev_fire_time(unix_time at) const {
  unix_time t = floor_div(at, 60) * 60;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    int64_t days = floor_div(t, 86400);
    civil c = civil_from_days(days);
    int64_t secs = t - days * 86400;
    int h = static_cast<int>(secs / 3600), mi = static_cast<int>(secs / 60 % 60);
    if (!month_[static_cast<size_t>(c.m)])
      t = days_from_civil(c.y, c.m, 1) * 86400 - 60;
    else if (!day_matches(days))
      t = days * 86400 - 60;
    else if (!hour_[static_cast<size_t>(h)])
      t = days * 86400 + h * 3600 - 60;
    else if (!minute_[static_cast<size_t>(mi)])
      t -= 60;
    else
      return t;
  }
  PINPIPE_ASSERT(false, "cron schedule never fires (parse() should have rejected it)");
}

// -- clock --------------------------------------------------------------------------------

namespace {
class real_clock final : public sched_clock {
public:
  unix_time now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
} // namespace

const sched_clock& system_sched_clock() {
  static real_clock c;
  return c;
}

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

/// A prepared statement that finalizes itself; errors carry sqlite's message.
class stmt {
public:
  stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~stmt() { sqlite3_finalize(s_); }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ = sqlite3_step(s_); }
  std::string text(int col) const {
    auto p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  status error(const std::string& what) const {
    return {errc::io_error, "batch_runs: " + what + " failed: " + sqlite3_errmsg(db_) +
                                " (check that the warehouse file is writable)"};
  }

private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

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
    if (!q.ok()) return q.error("reading the run history");
    q.bind(1, s->opt_.dag_id);
    int rc = q.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return q.error("reading the run history");
    s->opt_.start_date = rc == SQLITE_ROW ? 0 : clock.now();
  }
  return s;
}

result<std::unique_ptr<scheduler>> scheduler::open(const std::string& path, scheduler_options opt,
                                                   const sched_clock& clock) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return status{errc::io_error, "cannot open warehouse '" + path + "' for the run history: " +
                                      msg + "; check the path and permissions"};
  }
  sqlite3_busy_timeout(db, 5000); // the sink writes the same file
  auto s = open(db, std::move(opt), clock);
  if (!s) {
    sqlite3_close(db);
    return s.error();
  }
  s.value()->owned_ = true;
  return s;
}

status scheduler::init_table() {
  char* err = nullptr;
  if (sqlite3_exec(db_, create_sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return {errc::io_error, "cannot create table batch_runs: " + msg};
  }
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
    if (!q.ok()) return q.error("reading queued runs");
    q.bind(1, opt_.dag_id);
    int rc = q.step();
    if (rc == SQLITE_ROW) {
      auto t = parse_utc(q.text(1));
      return std::optional<planned_run>(planned_run{q.text(0), t ? *t : now, true});
    }
    if (rc != SQLITE_DONE) return q.error("reading queued runs");
  }
  if (now < opt_.start_date) return std::optional<planned_run>();
  unix_time fire = cron_.prev_fire_time(now); // no catch-up: only the latest fire time
  if (fire < opt_.start_date) return std::optional<planned_run>();
  std::string id = "scheduled__" + iso_utc(fire);
  stmt q(db_, "SELECT 1 FROM batch_runs WHERE dag_id = ? AND run_id = ? LIMIT 1");
  if (!q.ok()) return q.error("looking up run " + id);
  q.bind(1, opt_.dag_id).bind(2, id);
  int rc = q.step();
  if (rc == SQLITE_ROW) return std::optional<planned_run>();
  if (rc != SQLITE_DONE) return q.error("looking up run " + id);
  return std::optional<planned_run>(planned_run{id, fire, false});
}

result<planned_run> scheduler::trigger_manual(bool claim) {
  unix_time now = clock_.now();
  std::string base = "manual__" + iso_utc(now);
  for (int n = 1; n < 1000; ++n) {
    std::string id = n == 1 ? base : base + "-" + std::to_string(n);
    stmt q(db_, "INSERT OR IGNORE INTO batch_runs (run_id, dag_id, scheduled_time, start_time, "
                "state, attempt) VALUES (?, ?, ?, ?, ?, 1)");
    if (!q.ok()) return q.error("queueing manual run");
    q.bind(1, id).bind(2, opt_.dag_id).bind(3, format_utc(now));
    if (claim)
      q.bind(4, format_utc(now));
    else
      q.bind_null(4);
    q.bind(5, std::string(claim ? "running" : "queued"));
    if (q.step() != SQLITE_DONE) return q.error("queueing manual run");
    if (sqlite3_changes(db_) == 1) {
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
  if (!q.ok()) return q.error("recording the start of " + run.run_id);
  q.bind(1, run.run_id).bind(2, opt_.dag_id).bind(3, format_utc(run.scheduled_time));
  q.bind(4, format_utc(clock_.now())).bind(5, int64_t{attempt});
  if (q.step() != SQLITE_DONE) return q.error("recording the start of " + run.run_id);
  return {};
}

status scheduler::record_end(const std::string& run_id, int32_t attempt, const std::string& state,
                             const std::string& error) {
  if (!valid_end_state(state))
    return {errc::invalid_argument,
            "end state '" + state + "' is not one of success, failed, up_for_retry"};
  stmt q(db_, "UPDATE batch_runs SET end_time = ?, state = ?, error = ? WHERE dag_id = ? AND "
              "run_id = ? AND attempt = ?");
  if (!q.ok()) return q.error("recording the end of " + run_id);
  q.bind(1, format_utc(clock_.now())).bind(2, state);
  if (error.empty())
    q.bind_null(3);
  else
    q.bind(3, error);
  q.bind(4, opt_.dag_id).bind(5, run_id).bind(6, int64_t{attempt});
  if (q.step() != SQLITE_DONE) return q.error("recording the end of " + run_id);
  if (sqlite3_changes(db_) != 1)
    return {errc::not_found, "run " + run_id + " attempt " + std::to_string(attempt) +
                                 " was never started; call record_start first"};
  return {};
}

result<std::vector<run_record>> scheduler::list_runs() const {
  stmt q(db_, "SELECT run_id, dag_id, scheduled_time, start_time, end_time, state, attempt, "
              "error FROM batch_runs WHERE dag_id = ? ORDER BY scheduled_time, run_id, attempt");
  if (!q.ok()) return q.error("listing runs");
  q.bind(1, opt_.dag_id);
  std::vector<run_record> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW)
    out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5),
                   static_cast<int32_t>(q.integer(6)), q.text(7)});
  if (rc != SQLITE_DONE) return q.error("listing runs");
  return out;
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
