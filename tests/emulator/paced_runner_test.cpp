// paced_runner: several events in flight, the script's order per key, and the achieved rate
// reported against the target. The sender stands in for a network round trip: it takes
// 2 ms per request (an acks=all request over HTTP takes 1-4 ms here) and records the
// order in which records arrive, as a log would.
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "pipeline/emulator/paced_runner.hpp"
#include "tests/emulator/fixture.hpp"

namespace pinpipe::emulator {
namespace {

using testing::make_source;
using testing::read_manifest;
using testing::temp_dir;

/// Arrival order shared by every worker's sender (one "log" per destination).
struct arrivals {
  std::mutex mu;
  std::map<std::string, int64_t> next; ///< per destination: the next position
};

class slow_sender : public event_sender {
public:
  explicit slow_sender(arrivals& a) : a_(a) {}
  result<std::vector<sent_record>> send(const std::string& destination, mode,
                                        const std::vector<std::string>& values) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> g(a_.mu);
    std::vector<sent_record> out;
    for (size_t i = 0; i < values.size(); ++i)
      out.push_back({partition_id{0}, std::to_string(a_.next[destination]++)});
    return out;
  }

private:
  arrivals& a_;
};

sender_factory slow_senders(arrivals& a) {
  return [&a]() -> result<std::unique_ptr<event_sender>> {
    return std::unique_ptr<event_sender>(std::make_unique<slow_sender>(a));
  };
}

emulator_options options(const temp_dir& dir, int64_t events, double rate, int64_t key_max) {
  emulator_options o;
  o.m = mode::batch;
  o.events = events;
  o.rate = rate;
  o.course_timing = false;
  o.seed = 100;
  o.key_min = 0;
  o.key_max = key_max;
  o.manifest_path = dir.file("manifest.csv");
  return o;
}

TEST(PacedRunner, InFlightFollowsTheRateWithinBounds) {
  EXPECT_EQ(in_flight_for_rate(0), 1); // as fast as possible: the script's exact order
  EXPECT_EQ(in_flight_for_rate(20), 1);
  EXPECT_EQ(in_flight_for_rate(1000), 34);
  EXPECT_EQ(in_flight_for_rate(1e9), max_in_flight);
}

TEST(PacedRunner, KeepsTheScriptOrderOfEveryKeyWithManyEventsInFlight) {
  temp_dir dir;
  auto db = make_source(dir, 40);
  arrivals a;
  // 20 keys for 600 events: every key comes back ~30 times, spread over 8 workers.
  auto r = paced_runner::create(*db, slow_senders(a), options(dir, 600, 0, 19), 8);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  std::atomic<bool> stop{false};
  ASSERT_TRUE((*r)->run(stop).ok());
  EXPECT_EQ((*r)->stats().events_sent, 600);

  auto lines = read_manifest(dir.file("manifest.csv"));
  ASSERT_EQ(lines.size(), 1800u);
  // The plan's keys, event by event, as the script draws them.
  plan_options po;
  po.events = 600;
  po.course_timing = false;
  po.seed = 100;
  po.key_max = 19;
  auto plan = event_plan::create(po);
  ASSERT_TRUE(plan.ok());
  std::map<int64_t, int64_t> key_of_event;
  while (auto ev = plan->next())
    key_of_event[ev->index] = ev->key;
  // Per destination and key: arrival positions grow with the event number.
  std::map<std::pair<std::string, int64_t>, std::map<int64_t, int64_t>> by_key; // event -> pos
  std::map<int64_t, int> tables_of_event;
  for (const auto& l : lines) {
    EXPECT_EQ(l.key, key_of_event.at(l.event)) << "event " << l.event;
    by_key[{l.destination, l.key}][l.event] = std::stoll(l.position);
    ++tables_of_event[l.event];
  }
  EXPECT_EQ(tables_of_event.size(), 600u);
  int interleaved = 0;
  for (const auto& [dk, events] : by_key) {
    int64_t last = -1;
    for (const auto& [event, pos] : events) {
      EXPECT_GT(pos, last) << dk.first << " key " << dk.second << " event " << event
                           << " arrived before an earlier event of the same key";
      last = pos;
    }
  }
  // Different keys did interleave (the events really were in flight together).
  const auto& pins = lines;
  std::map<int64_t, int64_t> pos_of_pin_event;
  for (const auto& l : pins)
    if (l.destination == "0a60b9a8a831.pin") pos_of_pin_event[l.event] = std::stoll(l.position);
  for (const auto& [event, pos] : pos_of_pin_event)
    if (pos != event) ++interleaved;
  EXPECT_GT(interleaved, 0) << "8 workers sent every event in plan order";
}

TEST(PacedRunner, ReportsTheAchievedRateBesideTheTarget) {
  temp_dir dir;
  auto db = make_source(dir, 100);
  {
    // One event in flight: 3 x 2 ms per event caps it near 160 events/s, below 500.
    arrivals a;
    auto r = paced_runner::create(*db, slow_senders(a), options(dir, 100, 500, 99), 1);
    ASSERT_TRUE(r.ok());
    std::atomic<bool> stop{false};
    ASSERT_TRUE((*r)->run(stop).ok());
    auto s = (*r)->stats();
    EXPECT_EQ(s.events_sent, 100);
    EXPECT_DOUBLE_EQ(s.target_rate, 500);
    EXPECT_LT(s.achieved_rate(), 0.6 * 500) << s.achieved_rate();
    EXPECT_TRUE(s.below_target());
  }
  {
    // Enough in flight: the target is reached (and not exceeded: events are paced). On a
    // loaded machine the threads' wake-ups are late now and then, so "reached" is checked
    // with a margin; below_target() must agree with the figure it is computed from.
    arrivals a;
    auto r = paced_runner::create(*db, slow_senders(a), options(dir, 400, 500, 99), 16);
    ASSERT_TRUE(r.ok());
    std::atomic<bool> stop{false};
    ASSERT_TRUE((*r)->run(stop).ok());
    auto s = (*r)->stats();
    EXPECT_EQ(s.events_sent, 400);
    EXPECT_GT(s.achieved_rate(), 0.85 * 500) << s.achieved_rate();
    EXPECT_LT(s.achieved_rate(), 1.10 * 500) << s.achieved_rate();
    EXPECT_EQ(s.below_target(), s.achieved_rate() < 0.95 * 500) << s.achieved_rate();
  }
}

TEST(PacedRunner, StopsWithTheErrorAfterRepeatedFailures) {
  temp_dir dir;
  auto db = make_source(dir, 20);
  struct failing : event_sender {
    result<std::vector<sent_record>> send(const std::string&, mode,
                                          const std::vector<std::string>&) override {
      return status{errc::unavailable, "connection refused"};
    }
  };
  sender_factory f = []() -> result<std::unique_ptr<event_sender>> {
    return std::unique_ptr<event_sender>(std::make_unique<failing>());
  };
  auto r = paced_runner::create(*db, f, options(dir, 5, 0, 19), 1, /*max_attempts=*/2);
  ASSERT_TRUE(r.ok());
  std::atomic<bool> stop{false};
  auto st = (*r)->run(stop);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("connection refused"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("2 times in a row"), std::string::npos) << st.message();
  EXPECT_EQ((*r)->stats().events_sent, 0);
}

} // namespace
} // namespace pinpipe::emulator
