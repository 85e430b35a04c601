// Tests of the benchmark suite's shared pieces: the workload records, the read-back check,
// nearest-rank percentiles, the RESULT line and flag parsing.
#include "bench/peers/bench_common.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace pinpipe::bench {
namespace {

TEST(RecordGenerator, EveryRecordIsExactly420BytesOfPinShapedJson) {
  record_generator gen{7};
  const std::vector<std::string> columns = {"index",       "unique_id",         "title",
                                            "description", "poster_name",       "follower_count",
                                            "tag_list",    "is_image_or_video", "image_src",
                                            "downloaded",  "save_location",     "category"};
  // Small and large indexes: the longest index (9 digits) leaves the least room.
  for (uint64_t i : {0ULL, 1ULL, 42ULL, 99999ULL, 123456789ULL, 999999999ULL}) {
    for (uint64_t k = 0; k < 200; ++k) {
      const uint64_t index = i + k;
      const std::string rec{gen.make(index)};
      ASSERT_EQ(rec.size(), record_bytes) << rec;
      auto j = nlohmann::json::parse(rec); // throws (and fails the test) on invalid JSON
      ASSERT_TRUE(j.is_object());
      std::vector<std::string> keys;
      for (auto& [key, value] : j.items())
        keys.push_back(key);
      std::set<std::string> got(keys.begin(), keys.end());
      ASSERT_EQ(got, std::set<std::string>(columns.begin(), columns.end()));
      EXPECT_EQ(j["index"].get<uint64_t>(), index);
      EXPECT_EQ(j["save_location"].get<std::string>(),
                "Local save in /data/" + j["category"].get<std::string>());
      EXPECT_EQ(j["unique_id"].get<std::string>().size(), 36u);
    }
  }
}

TEST(RecordGenerator, KeysFollowTheSourceTableColumnOrder) {
  record_generator gen{1};
  const std::string rec{gen.make(5)};
  const std::vector<std::string> columns = {"index",       "unique_id",         "title",
                                            "description", "poster_name",       "follower_count",
                                            "tag_list",    "is_image_or_video", "image_src",
                                            "downloaded",  "save_location",     "category"};
  std::size_t at = 0;
  for (const auto& c : columns) {
    auto pos = rec.find("\"" + c + "\":", at);
    ASSERT_NE(pos, std::string::npos) << c << " missing or out of order in " << rec;
    at = pos;
  }
}

TEST(RecordGenerator, SameSeedAndIndexGiveSameBytesOtherSeedsDiffer) {
  record_generator a{99}, b{99}, c{100};
  const std::string ra{a.make(1234)};
  EXPECT_EQ(ra, std::string(b.make(1234)));
  EXPECT_NE(ra, std::string(c.make(1234)));
  EXPECT_NE(ra, std::string(a.make(1235)));
}

TEST(RecordIndex, ReadsTheLeadingIndexAndRejectsOtherBytes) {
  record_generator gen{3};
  EXPECT_EQ(record_index(gen.make(31337)), std::optional<uint64_t>(31337));
  EXPECT_EQ(record_index("{\"ind\":4}"), std::nullopt);
  EXPECT_EQ(record_index("{\"index\":x}"), std::nullopt);
  EXPECT_EQ(record_index(""), std::nullopt);
}

TEST(ReadbackCheck, AcceptsExactlyTheAcknowledgedRecordsInOrder) {
  record_generator gen{5};
  readback_check check{100};
  for (uint64_t i = 0; i < 100; ++i)
    check.add(gen.make(i));
  EXPECT_TRUE(check.finish().ok()) << check.finish().message();
  EXPECT_EQ(check.count(), 100u);
}

TEST(ReadbackCheck, MissingRecordFailsTheCountCheck) {
  record_generator gen{5};
  readback_check check{100};
  for (uint64_t i = 0; i < 99; ++i)
    check.add(gen.make(i));
  auto s = check.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("count check FAILED"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("read 99 records, 100 were acknowledged"), std::string::npos);
}

TEST(ReadbackCheck, ExtraRecordFailsTheCountCheck) {
  record_generator gen{5};
  readback_check check{10};
  for (uint64_t i = 0; i < 11; ++i)
    check.add(gen.make(i));
  EXPECT_FALSE(check.finish().ok());
}

TEST(ReadbackCheck, ReorderedOrDuplicatedRecordFailsTheOrderCheck) {
  record_generator gen{5};
  readback_check check{3};
  check.add(gen.make(0));
  check.add(gen.make(0)); // duplicate in place of 1
  check.add(gen.make(2));
  auto s = check.finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("order check FAILED"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("position 1 has index 0"), std::string::npos) << s.message();
}

TEST(ReadbackCheck, TruncatedRecordFailsTheCheck) {
  record_generator gen{5};
  readback_check check{1};
  check.add(gen.make(0).substr(0, 100));
  EXPECT_FALSE(check.finish().ok());
}

TEST(ReadbackCheck, FaultHookDropsTheFirstRecordsAndTheCheckNotices) {
  record_generator gen{5};
  readback_check check{10, 1};
  for (uint64_t i = 0; i < 10; ++i)
    check.add(gen.make(i));
  EXPECT_EQ(check.count(), 9u);
  EXPECT_FALSE(check.finish().ok());
}

TEST(Percentiles, NearestRankOnOneToThousand) {
  std::vector<uint64_t> v;
  for (uint64_t i = 1; i <= 1000; ++i)
    v.push_back(i);
  EXPECT_EQ(percentile_sorted(v, 0.50), 500u);
  EXPECT_EQ(percentile_sorted(v, 0.99), 990u);
  EXPECT_EQ(percentile_sorted(v, 0.999), 999u);
  EXPECT_EQ(percentile_sorted(v, 1.0), 1000u);
  EXPECT_EQ(percentile_sorted({}, 0.5), 0u);
  EXPECT_EQ(percentile_sorted({7}, 0.999), 7u);
}

TEST(Percentiles, SummaryIsInMicrosecondsAndIgnoresInputOrder) {
  std::vector<uint64_t> ns;
  for (uint64_t i = 1000; i >= 1; --i)
    ns.push_back(i * 1000); // 1..1000 us, descending
  auto s = summarize_ns(ns);
  EXPECT_EQ(s.samples, 1000u);
  EXPECT_DOUBLE_EQ(s.p50_us, 500.0);
  EXPECT_DOUBLE_EQ(s.p99_us, 990.0);
  EXPECT_DOUBLE_EQ(s.p999_us, 999.0);
  EXPECT_DOUBLE_EQ(s.max_us, 1000.0);
}

TEST(ResultLine, ThroughputLineHasRatesFromRecordsAndSeconds) {
  run_result r;
  r.system = "redis";
  r.tier = "durable";
  r.fsync = "always";
  r.records = 1000;
  r.secs = 2.0;
  r.readback_records = 1000;
  r.readback_secs = 0.5;
  r.check_ok = true;
  EXPECT_EQ(format_result_line(r),
            "RESULT system=redis tier=durable mode=throughput fsync=always records=1000 "
            "secs=2.000 rps=500.0 mbps=0.21 readback_records=1000 readback_rps=2000.0 check=ok");
}

TEST(ResultLine, BatchedThroughputNamesItsBatchSize) {
  run_result r;
  r.system = "pinpipe";
  r.tier = "relaxed";
  r.batch = 256;
  r.records = 512;
  r.secs = 1.0;
  r.check_ok = true;
  const std::string line = format_result_line(r);
  EXPECT_NE(line.find(" mode=throughput batch=256 fsync=- "), std::string::npos) << line;
  r.batch = 1; // one record per request: no batch field, as the peers print
  EXPECT_EQ(format_result_line(r).find("batch="), std::string::npos);
}

TEST(ResultLine, AClientNameIsPrintedOnlyWhenSet) {
  run_result r;
  r.system = "pinpipe";
  r.tier = "durable";
  r.mode = bench_mode::latency;
  r.client = "inline";
  EXPECT_NE(format_result_line(r).find(" mode=latency client=inline fsync=- "), std::string::npos)
      << format_result_line(r);
  r.client.clear();
  EXPECT_EQ(format_result_line(r).find("client="), std::string::npos);
}

TEST(ResultLine, LatencyLineAddsPercentilesAndFailedCheck) {
  run_result r;
  r.system = "nats";
  r.tier = "relaxed";
  r.mode = bench_mode::latency;
  r.records = 10;
  r.secs = 1.0;
  r.latency = latency_summary{10, 100.0, 200.5, 300.25, 400.0};
  r.check_ok = false;
  const std::string line = format_result_line(r);
  EXPECT_NE(line.find(" mode=latency "), std::string::npos) << line;
  EXPECT_NE(line.find(" fsync=- "), std::string::npos) << line;
  EXPECT_NE(line.find(" samples=10 p50_us=100.0 p99_us=200.5 p999_us=300.2 max_us=400.0 "),
            std::string::npos)
      << line;
  EXPECT_EQ(line.substr(line.size() - 13), " check=failed");
}

result<options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "client");
  return parse_options(static_cast<int>(args.size()), args.data());
}

TEST(ParseOptions, ReadsEveryFlag) {
  auto o = parse({"--host",
                  "10.0.0.1",
                  "--port",
                  "6380",
                  "--mode",
                  "latency",
                  "--tier",
                  "relaxed",
                  "--records",
                  "500",
                  "--seconds",
                  "2.5",
                  "--window",
                  "64",
                  "--readback-batch",
                  "100",
                  "--readback-seconds",
                  "9",
                  "--seed",
                  "11",
                  "--stream",
                  "s1",
                  "--fault-skip-readback",
                  "3"});
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->host, "10.0.0.1");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->mode, bench_mode::latency);
  EXPECT_EQ(o->tier, "relaxed");
  EXPECT_EQ(o->records, 500u);
  EXPECT_DOUBLE_EQ(o->seconds, 2.5);
  EXPECT_EQ(o->window, 64);
  EXPECT_EQ(o->readback_batch, 100);
  EXPECT_DOUBLE_EQ(o->readback_seconds, 9.0);
  EXPECT_EQ(o->seed, 11u);
  EXPECT_EQ(o->stream, "s1");
  EXPECT_EQ(o->fault_skip_readback, 3u);
}

TEST(ParseOptions, DefaultsMatchTheSuiteWorkload) {
  auto o = parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->window, 256);
  EXPECT_EQ(o->mode, bench_mode::throughput);
}

TEST(ParseOptions, BadValuesAreErrorsThatNameTheFlag) {
  for (auto args : std::vector<std::vector<const char*>>{{"--port", "0"},
                                                         {"--port", "70000"},
                                                         {"--mode", "fast"},
                                                         {"--records", "-1"},
                                                         {"--records", "12x"},
                                                         {"--seconds", "0"},
                                                         {"--seconds", "nan"},
                                                         {"--tier", "a b"},
                                                         {"--stream", "a.b"},
                                                         {"--bogus", "1"},
                                                         {"--port"}}) {
    auto o = parse(args);
    ASSERT_FALSE(o.ok()) << args[0];
    EXPECT_EQ(o.error().code(), errc::invalid_argument);
    EXPECT_NE(o.error().message().find(args[0]), std::string::npos) << o.error().message();
  }
}

TEST(RunLatency, StopsAtTheRecordBoundAndRecordsOneSamplePerAck) {
  options o;
  o.records = 50;
  o.seconds = 60;
  record_generator gen{1};
  uint64_t calls = 0;
  auto run = run_latency(o, gen, [&](uint64_t i, std::string_view rec) {
    EXPECT_EQ(record_index(rec), std::optional<uint64_t>(i));
    ++calls;
    return status::success();
  });
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->acked, 50u);
  EXPECT_EQ(calls, 50u);
  EXPECT_EQ(run->latencies_ns.size(), 50u);
}

TEST(RunLatency, StopsAtTheTimeBound) {
  options o;
  o.records = 999999999;
  o.seconds = 0.05;
  record_generator gen{1};
  auto run = run_latency(o, gen, [&](uint64_t, std::string_view) { return status::success(); });
  ASSERT_TRUE(run.ok());
  EXPECT_LT(run->acked, o.records);
  EXPECT_GE(run->secs, 0.05);
  EXPECT_LT(run->secs, 5.0);
}

TEST(RunLatency, FirstPublishErrorIsReturned) {
  options o;
  o.records = 10;
  record_generator gen{1};
  auto run = run_latency(o, gen, [&](uint64_t i, std::string_view) {
    return i == 3 ? status{errc::unavailable, "peer went away"} : status::success();
  });
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().message(), "peer went away");
}

} // namespace
} // namespace pinpipe::bench
