// The emulator: course key sequence, pin/geo/user order, retries without loss or
// duplicates, manifest continuation, pacing and stopping.
#include "pipeline/emulator/emulator.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/emulator/fixture.hpp"

using namespace pinpipe;
using namespace pinpipe::emulator;
using namespace pinpipe::emulator::testing;

namespace {

/// Records what it is asked to send; fails the calls whose numbers are in `fail_calls`.
class recording_sender : public event_sender {
public:
  struct sent {
    std::string destination, value;
  };
  result<std::vector<sent_record>> send(const std::string& destination, mode,
                                        const std::vector<std::string>& values) override {
    const int call = calls_++;
    for (int f : fail_calls)
      if (f == call) return status{errc::unavailable, "injected failure"};
    std::vector<sent_record> out;
    for (const auto& v : values) {
      log.push_back({destination, v});
      out.push_back({partition_id{0}, std::to_string(log.size() - 1)});
    }
    return out;
  }
  std::vector<int> fail_calls;
  std::vector<sent> log;

private:
  int calls_ = 0;
};

int64_t row_key(const std::string& json) {
  auto j = nlohmann::json::parse(json);
  return j.contains("index") ? j["index"].get<int64_t>() : j["ind"].get<int64_t>();
}

} // namespace

TEST(Emulator, Seed100SendsTheCourseKeysPinGeoUserWithCourseDelays) {
  temp_dir dir;
  auto src = make_source(dir, 11153);
  recording_sender s;
  emulator_options o;
  o.seed = 100;
  o.events = 10;
  pinpipe::emulator::emulator em(*src, s, o);
  ASSERT_TRUE(em.init_status().ok()) << em.init_status().to_string();
  const std::pair<int64_t, int64_t> course[] = {{0, 7528}, {1, 2863}, {1, 5730}, {1, 8304},
                                                {0, 8731}, {0, 1313}, {1, 4315}, {0, 10794},
                                                {0, 5494}, {0, 5069}};
  for (const auto& [sleep, key] : course) {
    EXPECT_DOUBLE_EQ(em.next_delay(), static_cast<double>(sleep));
    auto r = em.step();
    ASSERT_TRUE(r.ok() && *r);
    EXPECT_EQ(em.stats().last_key, key);
  }
  auto end = em.step();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  EXPECT_TRUE(em.done());
  ASSERT_EQ(s.log.size(), 30u);
  for (size_t i = 0; i < s.log.size(); ++i) {
    const char* suffix[] = {".pin", ".geo", ".user"};
    EXPECT_EQ(s.log[i].destination, std::string("0a60b9a8a831") + suffix[i % 3]);
    EXPECT_EQ(row_key(s.log[i].value), course[i / 3].second);
    auto rows = src->event(course[i / 3].second);
    EXPECT_EQ(s.log[i].value, i % 3 == 0 ? rows->pin : i % 3 == 1 ? rows->geo : rows->user);
  }
}

TEST(Emulator, StreamModeSendsToStreamingDestinations) {
  temp_dir dir;
  auto src = make_source(dir, 50);
  recording_sender s;
  emulator_options o;
  o.uid = "129a67850695";
  o.m = mode::stream;
  o.events = 1;
  o.key_max = 49;
  pinpipe::emulator::emulator em(*src, s, o);
  ASSERT_TRUE(em.step().ok());
  ASSERT_EQ(s.log.size(), 3u);
  EXPECT_EQ(s.log[0].destination, "streaming-129a67850695-pin");
  EXPECT_EQ(s.log[1].destination, "streaming-129a67850695-geo");
  EXPECT_EQ(s.log[2].destination, "streaming-129a67850695-user");
}

TEST(Emulator, AFailedSendIsRetriedWithoutLossOrDuplication) {
  temp_dir dir;
  auto src = make_source(dir, 100);
  recording_sender s;
  s.fail_calls = {1, 4, 5}; // geo of event 0, then geo of event 1 twice
  emulator_options o;
  o.seed = 5;
  o.events = 3;
  o.key_max = 99;
  o.course_timing = false;
  o.manifest_path = dir.file("manifest.csv");
  pinpipe::emulator::emulator em(*src, s, o);
  int errors = 0, sent = 0;
  for (int i = 0; i < 20 && !em.done(); ++i) {
    auto r = em.step();
    if (!r) {
      ++errors;
      EXPECT_EQ(em.next_delay(), 0) << "a retry does not wait the event's delay again";
    } else if (*r) {
      ++sent;
    }
  }
  EXPECT_EQ(errors, 3);
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(em.stats().send_errors, 3);
  ASSERT_EQ(s.log.size(), 9u) << "each record exactly once";
  auto lines = read_manifest(dir.file("manifest.csv"));
  ASSERT_EQ(lines.size(), 9u);
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(lines[i].event, static_cast<int64_t>(i / 3));
    EXPECT_EQ(lines[i].position, std::to_string(i));
    EXPECT_EQ(row_key(s.log[i].value), lines[i].key);
  }
}

TEST(Emulator, ManifestAppendsAcrossRunsAndContinuesEventNumbers) {
  temp_dir dir;
  auto src = make_source(dir, 100);
  recording_sender s;
  emulator_options o;
  o.events = 4;
  o.key_max = 99;
  o.course_timing = false;
  o.manifest_path = dir.file("out/manifest.csv");
  std::atomic<bool> stop{false};
  {
    pinpipe::emulator::emulator first(*src, s, o);
    ASSERT_TRUE(first.run(stop).ok());
  }
  pinpipe::emulator::emulator second(*src, s, o);
  ASSERT_TRUE(second.run(stop).ok());
  auto lines = read_manifest(o.manifest_path); // also checks the single header
  ASSERT_EQ(lines.size(), 24u);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(lines[i].event, static_cast<int64_t>(i / 3));
}

TEST(Emulator, BadOptionsAreReportedByInitStatusAndStep) {
  temp_dir dir;
  auto src = make_source(dir, 100);
  recording_sender s;
  emulator_options o; // key_max 11000 > 99
  pinpipe::emulator::emulator em(*src, s, o);
  EXPECT_EQ(em.init_status().code(), errc::invalid_config);
  EXPECT_NE(em.init_status().message().find("key_max"), std::string::npos);
  EXPECT_FALSE(em.step().ok());
  emulator_options m;
  m.key_max = 10;
  m.manifest_path = "/proc/no/such/dir/manifest.csv";
  pinpipe::emulator::emulator bad_manifest(*src, s, m);
  EXPECT_FALSE(bad_manifest.init_status().ok());
  EXPECT_TRUE(s.log.empty());
}

TEST(Emulator, RunPacesByRateAndStopsWhenAsked) {
  temp_dir dir;
  auto src = make_source(dir, 100);
  recording_sender s;
  emulator_options o;
  o.events = 10;
  o.key_max = 99;
  o.course_timing = false;
  o.rate = 50;
  std::atomic<bool> stop{false};
  pinpipe::emulator::emulator paced(*src, s, o);
  auto t0 = std::chrono::steady_clock::now();
  int reports = 0;
  ASSERT_TRUE(paced.run(stop, [&](const emulator_stats&) { ++reports; }).ok());
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(paced.stats().events_sent, 10);
  EXPECT_GE(elapsed, 0.18);
  EXPECT_LT(elapsed, 2.0);
  EXPECT_GE(reports, 1);

  o.events = -1; // forever, course timing: stopped from another thread
  o.course_timing = true;
  pinpipe::emulator::emulator forever(*src, s, o);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(forever.run(stop).ok());
  stopper.join();
  elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(elapsed, 1.5);
}
