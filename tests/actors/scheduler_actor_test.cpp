// The scheduler actor (the DAG) on CAF's deterministic test coordinator with a fake
// scheduler clock: its once-a-second tick is a simulated delayed message, "now" is the
// fake clock, and a retry's wait advances the fake clock instead of sleeping.
#include "actors/scheduler_actor.hpp"

#include <map>

#include "tests/actors/actor_fixture.hpp"

namespace pinpipe::actors {
namespace {

using namespace testing;

struct fake_clock : batch::sched_clock {
  batch::unix_time t = 0;
  batch::unix_time now() const override { return t; }
};

batch::unix_time utc(const std::string& text) {
  auto t = batch::parse_utc(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : 0;
}

class SchedulerActor : public actor_test {
protected:
  fake_clock clock;
  std::vector<int64_t> sleeps;                ///< every retry wait, in seconds
  std::vector<std::string> calls;             ///< run id of every job call
  std::map<std::string, int> failures_left;   ///< run id prefix -> attempts that fail
  int fail_all = 0;                           ///< > 0: every attempt fails

  caf::actor start(bool automatic, int32_t retries) {
    scheduler_actor_options o;
    o.warehouse_path = dir.file("warehouse.db");
    o.schedule.dag_id = "actortest_dag";
    o.schedule.schedule = "0 0 * * *";
    o.schedule.start_date = utc("2026-11-22");
    o.schedule.retries = retries;
    o.schedule.retry_delay_s = 120;
    o.automatic = automatic;
    o.clock = &clock;
    o.sleep = [this](int64_t s) {
      sleeps.push_back(s);
      clock.t += s;
    };
    o.thread = actor_thread::shared;
    batch_job job = [this](const std::string& run_id, run_outcome& out) -> status {
      calls.push_back(run_id);
      out.report = "ran " + run_id;
      if (fail_all > 0) return status{errc::io_error, "injected: lake unreadable"};
      for (auto& [prefix, left] : failures_left)
        if (run_id.rfind(prefix, 0) == 0 && left > 0) {
          --left;
          return status{errc::io_error, "injected: first attempt fails"};
        }
      return {};
    };
    auto a = spawn_scheduler(sys, o, job);
    EXPECT_TRUE(a) << a.error().to_string();
    return track(*a);
  }

  std::vector<batch::run_record> runs(const caf::actor& s) {
    auto r = ask<std::vector<batch::run_record>>(s, runs_atom::value);
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }

  /// Sets the fake clock and lets the scheduler's pending tick(s) fire.
  void tick_at(const std::string& when) {
    clock.t = utc(when);
    fire_timeouts();
  }
};

TEST_F(SchedulerActor, FiresOnceAtTheScheduledTimeOfItsClock) {
  clock.t = utc("2026-11-21 23:59:58");
  auto s = start(/*automatic=*/true, /*retries=*/1);
  run();
  tick_at("2026-11-21 23:59:59");
  EXPECT_TRUE(calls.empty()) << "nothing is due before the first fire time";
  tick_at("2026-11-22 00:00:00");
  ASSERT_EQ(calls, std::vector<std::string>{"scheduled__2026-11-22T00:00:00"});
  // Later ticks of the same day find the run already done.
  tick_at("2026-11-22 00:00:01");
  tick_at("2026-11-22 13:00:00");
  tick_at("2026-11-22 23:59:59");
  EXPECT_EQ(calls.size(), 1u);
  tick_at("2026-11-23 00:00:05");
  EXPECT_EQ(calls, (std::vector<std::string>{"scheduled__2026-11-22T00:00:00",
                                             "scheduled__2026-11-23T00:00:00"}));
  auto rs = runs(s);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].state, "success");
  EXPECT_EQ(rs[0].attempt, 1);
  EXPECT_EQ(rs[0].scheduled_time, "2026-11-22 00:00:00");
  EXPECT_EQ(rs[1].state, "success");
  EXPECT_TRUE(sleeps.empty());
}

TEST_F(SchedulerActor, NoCatchUpAfterMissedFireTimes) {
  clock.t = utc("2026-11-25 08:00:00"); // three fire times since the start date
  start(true, 1);
  run();
  EXPECT_EQ(calls, std::vector<std::string>{"scheduled__2026-11-25T00:00:00"});
  tick_at("2026-11-25 09:00:00");
  EXPECT_EQ(calls.size(), 1u);
}

TEST_F(SchedulerActor, RetriesAFailedAttemptAfterTheRetryDelay) {
  clock.t = utc("2026-11-22 00:00:00");
  failures_left["scheduled__2026-11-22"] = 1;
  auto s = start(true, /*retries=*/1);
  run();
  EXPECT_EQ(calls.size(), 2u) << "one failure, one retry";
  EXPECT_EQ(sleeps, std::vector<int64_t>{120});
  auto rs = runs(s);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].attempt, 1);
  EXPECT_EQ(rs[0].state, "up_for_retry");
  EXPECT_NE(rs[0].error.find("first attempt fails"), std::string::npos) << rs[0].error;
  EXPECT_EQ(rs[1].attempt, 2);
  EXPECT_EQ(rs[1].state, "success");
  EXPECT_EQ(rs[1].start_time, "2026-11-22 00:02:00") << "the retry starts after the delay";
}

TEST_F(SchedulerActor, GivesUpAfterItsRetriesAndDoesNotRerunTheFailedRun) {
  clock.t = utc("2026-11-22 00:00:00");
  fail_all = 1;
  auto s = start(true, /*retries=*/2);
  run();
  EXPECT_EQ(calls.size(), 3u) << "1 attempt + 2 retries";
  EXPECT_EQ(sleeps, (std::vector<int64_t>{120, 120}));
  auto rs = runs(s);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].state, "up_for_retry");
  EXPECT_EQ(rs[1].state, "up_for_retry");
  EXPECT_EQ(rs[2].state, "failed");
  EXPECT_NE(rs[2].error.find("lake unreadable"), std::string::npos);
  tick_at("2026-11-22 06:00:00");
  EXPECT_EQ(calls.size(), 3u) << "a failed run stays failed until the next fire time";
}

TEST_F(SchedulerActor, ManualTriggerRunsAtOnceAndRepliesWithTheOutcome) {
  clock.t = utc("2026-11-22 10:15:30");
  auto s = start(/*automatic=*/false, 1);
  run();
  EXPECT_TRUE(calls.empty()) << "a scheduler that is not automatic never runs on its own";
  auto out = ask<run_outcome>(s, trigger_atom::value);
  ASSERT_TRUE(out.ok()) << out.error;
  EXPECT_EQ(out.value.run_id, "manual__2026-11-22T10:15:30");
  EXPECT_EQ(out.value.state, "success");
  EXPECT_EQ(out.value.report, "ran manual__2026-11-22T10:15:30");
  EXPECT_EQ(calls, std::vector<std::string>{"manual__2026-11-22T10:15:30"});
  fire_timeouts();
  EXPECT_EQ(calls.size(), 1u);
}

TEST_F(SchedulerActor, ManualTriggerThatFailsRepliesFailedWithTheError) {
  clock.t = utc("2026-11-22 10:15:30");
  fail_all = 1;
  auto s = start(false, /*retries=*/0);
  run();
  auto out = ask<run_outcome>(s, trigger_atom::value);
  ASSERT_TRUE(out.ok()) << out.error;
  EXPECT_EQ(out.value.state, "failed");
  EXPECT_NE(out.value.error.find("lake unreadable"), std::string::npos) << out.value.error;
  EXPECT_EQ(calls.size(), 1u);
}

} // namespace
} // namespace pinpipe::actors
