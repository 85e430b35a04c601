// The scheduler (Airflow DAG counterpart): cron parsing, fire times across day/month/year
// ends, no catch-up, retries after the delay, failure after the last retry, manual
// triggers and the run history in a real SQLite file.
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::batch {
namespace {

unix_time at(const std::string& s) {
  auto t = parse_utc(s);
  EXPECT_TRUE(t.ok()) << s;
  return t.ok() ? *t : 0;
}

cron_schedule cron(const std::string& e) {
  auto c = cron_schedule::parse(e);
  EXPECT_TRUE(c.ok()) << e << ": " << (c.ok() ? "" : c.error().message());
  return c.ok() ? *c : *cron_schedule::parse("* * * * *");
}

std::string next(const std::string& expr, const std::string& after) {
  return format_utc(cron(expr).next_fire_time(at(after)));
}

class fake_clock : public sched_clock {
public:
  explicit fake_clock(unix_time t) : t_(t) {}
  unix_time now() const override { return t_; }
  void advance(int64_t s) { t_ += s; }
  void set(unix_time t) { t_ = t; }

private:
  unix_time t_;
};

class temp_db {
public:
  temp_db() {
    char tmpl[] = "/tmp/pinpipe-sched-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~temp_db() { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/warehouse.db"; }

private:
  std::string dir_;
};

TEST(UtcTime, FormatsAndParsesUtcText) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00");
  EXPECT_EQ(at("2026-11-22T10:15:30"), at("2026-11-22 10:15:30"));
  EXPECT_EQ(at("2024-02-29") - at("2024-02-28"), 86400);
  EXPECT_EQ(format_utc(at("2000-03-01 00:00:00") - 1), "2000-02-29 23:59:59");
  EXPECT_FALSE(parse_utc("2026-02-29").ok());
  EXPECT_FALSE(parse_utc("2026-11-22 24:00:00").ok());
  EXPECT_FALSE(parse_utc("22/11/2026").ok());
}

TEST(Cron, InvalidExpressionsAreRejectedWithMessagesNamingTheField) {
  auto msg = [](const std::string& e) {
    auto c = cron_schedule::parse(e);
    EXPECT_FALSE(c.ok()) << e;
    return c.ok() ? std::string() : c.error().message();
  };
  EXPECT_EQ(msg("61 * * * *"), "cron '61 * * * *': minute: 61 is out of range 0-59");
  EXPECT_NE(
      msg("* * *").find("expected 5 fields (minute hour day-of-month month day-of-week), got 3"),
      std::string::npos);
  EXPECT_NE(msg("0 24 * * *").find("hour: 24 is out of range 0-23"), std::string::npos);
  EXPECT_NE(msg("0 0 0 * *").find("day-of-month: 0 is out of range 1-31"), std::string::npos);
  EXPECT_NE(msg("0 0 * 13 *").find("month: 13 is out of range 1-12"), std::string::npos);
  EXPECT_NE(msg("0 0 * * 8").find("day-of-week: 8 is out of range 0-7"), std::string::npos);
  EXPECT_NE(msg("*/0 * * * *").find("minute: step '0'"), std::string::npos);
  EXPECT_NE(msg("5-3 * * * *").find("range 5-3 runs backwards"), std::string::npos);
  EXPECT_NE(msg("a * * * *").find("'a' in 'a' is not a number"), std::string::npos);
  EXPECT_NE(msg("1,,2 * * * *").find("empty list item"), std::string::npos);
  EXPECT_NE(msg("@fortnightly").find("unknown macro"), std::string::npos);
  EXPECT_NE(msg("0 0 30 2 *").find("never fires"), std::string::npos);
}

TEST(Cron, DefaultScheduleFiresDailyAtMidnightUtcAcrossMonthAndYearEnds) {
  EXPECT_EQ(next("0 0 * * *", "2026-11-22 10:00:00"), "2026-11-23 00:00:00");
  EXPECT_EQ(next("0 0 * * *", "2026-11-30 23:59:59"), "2026-12-01 00:00:00");
  EXPECT_EQ(next("0 0 * * *", "2026-12-31 12:00:00"), "2027-01-01 00:00:00");
  EXPECT_EQ(next("0 0 * * *", "2027-01-01 00:00:00"), "2027-01-02 00:00:00"); // strictly after
  EXPECT_EQ(next("@daily", "2028-02-28 00:00:01"), "2028-02-29 00:00:00");
  EXPECT_EQ(next("@hourly", "2026-02-28 23:30:00"), "2026-03-01 00:00:00");
}

TEST(Cron, ListsRangesAndStepsSelectTheRightMinutesAndHours) {
  EXPECT_EQ(next("*/15 * * * *", "2026-11-22 10:46:00"), "2026-11-22 11:00:00");
  EXPECT_EQ(next("5,35 9-11 * * *", "2026-11-22 11:35:00"), "2026-11-23 09:05:00");
  EXPECT_EQ(next("10-50/20 * * * *", "2026-11-22 10:31:00"), "2026-11-22 10:50:00");
  EXPECT_EQ(next("7/30 * * * *", "2026-11-22 10:38:00"), "2026-11-22 11:07:00");
  EXPECT_EQ(next("0 0 31 * *", "2026-11-01 00:00:00"), "2026-12-31 00:00:00"); // Nov has 30
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01 00:00:00"), "2028-02-29 00:00:00");
  EXPECT_EQ(next("@monthly", "2026-12-15 00:00:00"), "2027-01-01 00:00:00");
  EXPECT_EQ(next("@yearly", "2026-01-01 00:00:00"), "2027-01-01 00:00:00");
}

TEST(Cron, DayOfWeekAndTheOrRuleOfBothDayFields) {
  // 2026-11-22 is a Sunday.
  EXPECT_EQ(next("0 12 * * 1-5", "2026-11-20 12:00:00"), "2026-11-23 12:00:00"); // Fri -> Mon
  EXPECT_EQ(next("0 0 * * 7", "2026-11-20 00:00:00"), "2026-11-22 00:00:00");    // 7 = Sunday
  EXPECT_EQ(next("@weekly", "2026-11-22 00:00:00"), "2026-11-29 00:00:00");
  // "13th or Friday": the next match after Sat 2026-11-14 is Fri 2026-11-20.
  EXPECT_EQ(next("0 0 13 * 5", "2026-11-14 00:00:00"), "2026-11-20 00:00:00");
}

TEST(Cron, PreviousFireTimeIsTheLatestAtOrBefore) {
  auto c = cron("30 6 * * *");
  EXPECT_EQ(format_utc(c.prev_fire_time(at("2026-11-22 06:30:00"))), "2026-11-22 06:30:00");
  EXPECT_EQ(format_utc(c.prev_fire_time(at("2026-11-22 06:29:59"))), "2026-11-21 06:30:00");
  EXPECT_EQ(format_utc(c.prev_fire_time(at("2027-01-01 00:00:00"))), "2026-12-31 06:30:00");
  EXPECT_EQ(format_utc(cron("0 0 29 2 *").prev_fire_time(at("2027-06-01"))), "2024-02-29 00:00:00");
}

scheduler_options opts(const std::string& start = "2026-11-01") {
  scheduler_options o;
  o.dag_id = "0a60b9a8a831_dag";
  o.start_date = at(start);
  return o;
}

TEST(Scheduler, OnlyTheLatestMissedRunIsDueNoCatchUp) {
  temp_db db;
  fake_clock clock(at("2026-11-22 10:00:00"));
  auto s = scheduler::open(db.path(), opts(), clock);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  auto due = (*s)->due_run(clock.now());
  ASSERT_TRUE(due.ok());
  ASSERT_TRUE(due->has_value());
  EXPECT_EQ((*due)->run_id, "scheduled__2026-11-22T00:00:00"); // not 11-01 .. 11-21
  EXPECT_EQ((*due)->scheduled_time, at("2026-11-22"));
  EXPECT_FALSE((*due)->manual);
  ASSERT_EQ(*(*s)->run_with_retries(**due, [](auto&, int) { return status{}; }, {}), "success");
  EXPECT_FALSE((*s)->due_run(clock.now())->has_value()); // already ran
  EXPECT_FALSE((*s)->due_run(at("2026-11-22 23:59:59"))->has_value());
  auto tomorrow = (*s)->due_run(at("2026-11-23 00:00:00"));
  ASSERT_TRUE(tomorrow->has_value());
  EXPECT_EQ((*tomorrow)->run_id, "scheduled__2026-11-23T00:00:00");
  auto runs = (*s)->list_runs();
  ASSERT_EQ(runs->size(), 1u);
}

TEST(Scheduler, NothingIsDueBeforeTheStartDate) {
  temp_db db;
  fake_clock clock(at("2026-11-22 10:00:00"));
  auto s = scheduler::open(db.path(), opts("2026-11-22 12:00:00"), clock);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)->due_run(at("2026-11-22 10:00:00"))->has_value());
  EXPECT_FALSE((*s)->due_run(at("2026-11-22 23:00:00"))->has_value()); // midnight was before start
  EXPECT_EQ((*(*s)->due_run(at("2026-11-23 00:00:05")))->run_id, "scheduled__2026-11-23T00:00:00");
  EXPECT_EQ(format_utc((*s)->next_fire_time(at("2026-11-01"))), "2026-11-23 00:00:00");
}

TEST(Scheduler, EmptyStartDateMakesAFreshDagWaitForTheNextFireTime) {
  temp_db db;
  fake_clock clock(at("2026-11-22 14:00:00"));
  auto start = start_date_setting("");
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start, start_date_auto);
  auto o = opts();
  o.start_date = *start;
  auto s = scheduler::open(db.path(), o, clock);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  // Today's midnight fire is before the first start: nothing runs at once on a new node.
  EXPECT_FALSE((*s)->due_run(clock.now())->has_value());
  // A manual run does not start the schedule: reopened, a fresh DAG still waits.
  auto manual = (*s)->trigger_manual(/*claim=*/true);
  ASSERT_TRUE(manual.ok());
  ASSERT_EQ(*(*s)->run_with_retries(*manual, [](auto&, int) { return status{}; }, {}), "success");
  s = scheduler::open(db.path(), o, clock);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)->due_run(clock.now())->has_value());
  auto tomorrow = (*s)->due_run(at("2026-11-23 00:00:01"));
  ASSERT_TRUE(tomorrow->has_value());
  EXPECT_EQ((*tomorrow)->run_id, "scheduled__2026-11-23T00:00:00");
  ASSERT_EQ(*(*s)->run_with_retries(**tomorrow, [](auto&, int) { return status{}; }, {}),
            "success");

  // Reopened days later with a history: the latest missed fire is due again.
  clock.set(at("2026-11-25 09:00:00"));
  s = scheduler::open(db.path(), o, clock);
  ASSERT_TRUE(s.ok());
  auto missed = (*s)->due_run(clock.now());
  ASSERT_TRUE(missed->has_value());
  EXPECT_EQ((*missed)->run_id, "scheduled__2026-11-25T00:00:00");

  auto bad = start_date_setting("next tuesday");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("start_date"), std::string::npos);
}

TEST(Scheduler, FailedAttemptIsRetriedAfterTheDelayWithAttemptNumbersRecorded) {
  temp_db db;
  fake_clock clock(at("2026-11-22 00:00:10"));
  auto s = scheduler::open(db.path(), opts(), clock);
  ASSERT_TRUE(s.ok());
  auto run = **(*s)->due_run(clock.now());
  std::vector<int> attempts;
  std::vector<int64_t> slept;
  auto job = [&](const planned_run&, int attempt) {
    attempts.push_back(attempt);
    clock.advance(30); // the job takes 30 s
    return attempt == 1 ? status{errc::io_error, "lake not readable"} : status{};
  };
  auto sleep = [&](int64_t secs) {
    slept.push_back(secs);
    clock.advance(secs);
  };
  auto final_state = (*s)->run_with_retries(run, job, sleep);
  ASSERT_TRUE(final_state.ok());
  EXPECT_EQ(*final_state, "success");
  EXPECT_EQ(attempts, (std::vector<int>{1, 2}));
  EXPECT_EQ(slept, (std::vector<int64_t>{120}));
  auto runs = *(*s)->list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0],
            (run_record{"scheduled__2026-11-22T00:00:00", "0a60b9a8a831_dag", "2026-11-22 00:00:00",
                        "2026-11-22 00:00:10", "2026-11-22 00:00:40", "up_for_retry", 1,
                        "io_error: lake not readable"}));
  EXPECT_EQ(runs[1],
            (run_record{"scheduled__2026-11-22T00:00:00", "0a60b9a8a831_dag", "2026-11-22 00:00:00",
                        "2026-11-22 00:02:40", "2026-11-22 00:03:10", "success", 2, ""}));
}

TEST(Scheduler, RunIsFailedOnceRetriesAreExhaustedAndExceptionsAreRecorded) {
  temp_db db;
  fake_clock clock(at("2026-11-22 00:00:00"));
  auto o = opts();
  o.retries = 2;
  o.retry_delay_s = 5;
  auto s = scheduler::open(db.path(), o, clock);
  ASSERT_TRUE(s.ok());
  auto run = **(*s)->due_run(clock.now());
  int calls = 0;
  auto job = [&](const planned_run&, int) -> status {
    ++calls;
    if (calls == 2) throw std::runtime_error("boom");
    return {errc::internal, "query failed"};
  };
  auto final_state = (*s)->run_with_retries(run, job, [&](int64_t secs) { clock.advance(secs); });
  EXPECT_EQ(*final_state, "failed");
  EXPECT_EQ(calls, 3);
  auto runs = *(*s)->list_runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].state, "up_for_retry");
  EXPECT_EQ(runs[1].state, "up_for_retry");
  EXPECT_EQ(runs[1].error, "internal: the batch job threw: boom");
  EXPECT_EQ(runs[2].state, "failed");
  EXPECT_EQ(runs[2].attempt, 3);
  EXPECT_EQ(runs[2].start_time, "2026-11-22 00:00:10");
  EXPECT_EQ(runs[2].error, "internal: query failed");
  EXPECT_FALSE((*s)->due_run(clock.now())->has_value()); // a failed run is not rerun by itself
}

TEST(Scheduler, ManualTriggerIsQueuedDueFirstAndRecorded) {
  temp_db db;
  fake_clock clock(at("2026-11-22 10:15:30"));
  auto s = scheduler::open(db.path(), opts(), clock);
  ASSERT_TRUE(s.ok());
  auto m = (*s)->trigger_manual();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->run_id, "manual__2026-11-22T10:15:30");
  EXPECT_EQ((*s)->trigger_manual()->run_id, "manual__2026-11-22T10:15:30-2"); // same second
  auto due = (*s)->due_run(clock.now());
  ASSERT_TRUE(due->has_value());
  EXPECT_EQ((*due)->run_id, "manual__2026-11-22T10:15:30");
  EXPECT_TRUE((*due)->manual);
  auto runs = *(*s)->list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].state, "queued");
  EXPECT_EQ(runs[0].start_time, "");
  clock.advance(1);
  ASSERT_EQ(*(*s)->run_with_retries(**due, [](auto&, int) { return status{}; }, {}), "success");
  runs = *(*s)->list_runs();
  ASSERT_EQ(runs.size(), 2u); // the queued row became the attempt
  EXPECT_EQ(runs[0].state, "success");
  EXPECT_EQ(runs[0].start_time, "2026-11-22 10:15:31");
  EXPECT_EQ((*(*s)->due_run(clock.now()))->run_id, "manual__2026-11-22T10:15:30-2");
}

TEST(Scheduler, ClaimedManualRunIsNeverPickedUpByAnotherScheduler) {
  temp_db db;
  fake_clock clock(at("2026-11-22 10:15:30"));
  auto cli = scheduler::open(db.path(), opts("2026-11-22 12:00:00"), clock);
  auto node = scheduler::open(db.path(), opts("2026-11-22 12:00:00"), clock);
  ASSERT_TRUE(cli.ok() && node.ok());
  auto m = (*cli)->trigger_manual(/*claim=*/true);
  ASSERT_TRUE(m.ok());
  // The node's scheduler on the same warehouse sees nothing to run: the run is running.
  EXPECT_FALSE((*node)->due_run(clock.now())->has_value());
  auto runs = *(*cli)->list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, "running");
  EXPECT_EQ(runs[0].start_time, "2026-11-22 10:15:30");
  ASSERT_EQ(*(*cli)->run_with_retries(*m, [](auto&, int) { return status{}; }, {}), "success");
  runs = *(*cli)->list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, "success");
  EXPECT_FALSE((*node)->due_run(clock.now())->has_value());
}

TEST(Scheduler, RunsAreListedInOrderAndSurviveReopeningTheFile) {
  temp_db db;
  fake_clock clock(at("2026-11-20 00:00:00"));
  {
    auto s = scheduler::open(db.path(), opts(), clock);
    ASSERT_TRUE(s.ok());
    for (const char* day : {"2026-11-20 00:01:00", "2026-11-21 00:01:00"}) {
      clock.set(at(day));
      ASSERT_EQ(*(*s)->run_with_retries(**(*s)->due_run(clock.now()),
                                        [](auto&, int) { return status{}; }, {}),
                "success");
    }
    // Another DAG in the same file is not listed.
    auto o = opts();
    o.dag_id = "other_dag";
    auto other = scheduler::open(db.path(), o, clock);
    ASSERT_TRUE((*other)->trigger_manual().ok());
  }
  auto s = scheduler::open(db.path(), opts(), clock);
  ASSERT_TRUE(s.ok());
  auto runs = *(*s)->list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run_id, "scheduled__2026-11-20T00:00:00");
  EXPECT_EQ(runs[1].run_id, "scheduled__2026-11-21T00:00:00");
  EXPECT_EQ(runs[1].end_time, "2026-11-21 00:01:00");
}

TEST(Scheduler, InvalidOptionsAreRejectedNamingTheKey) {
  temp_db db;
  fake_clock clock(0);
  auto o = opts();
  o.schedule = "0 0 * *";
  auto s = scheduler::open(db.path(), o, clock);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), errc::invalid_config);
  EXPECT_EQ(s.error().message().rfind("[scheduler] schedule: cron '0 0 * *'", 0), 0u);
  o = opts();
  o.retries = -1;
  EXPECT_NE(scheduler::open(db.path(), o, clock).error().message().find("[scheduler] retries"),
            std::string::npos);
  EXPECT_EQ(scheduler::open("/nonexistent-dir/x.db", opts(), clock).error().code(), errc::io_error);
}

} // namespace
} // namespace pinpipe::batch
