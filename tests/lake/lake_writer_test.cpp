// The lake writer and the connector loop: object keys, flush.size, rotate.interval.ms,
// atomic objects, and resume after a dropped writer (in-process "crash").
#include <gtest/gtest.h>

#include <filesystem>

#include "pipeline/lake/lake_reader.hpp"
#include "pipeline/lake/lake_writer.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/lake/lake_test_util.hpp"

namespace pinpipe::lake {
namespace {

using test::read_text;
using test::snapshot;
using test::temp_dir;

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

std::string rec(int i) {
  return "{\"i\": " + std::to_string(i) + "}";
}

TEST(LakeLayout, ObjectKeyIsTheS3SinkLayoutWithTenDigitOffset) {
  EXPECT_EQ(object_key("0a60b9a8a831.pin", 0, 0),
            "topics/0a60b9a8a831.pin/partition=0/0a60b9a8a831.pin+0+0000000000.json");
  EXPECT_EQ(object_key("0a60b9a8a831.geo", 3, 1234),
            "topics/0a60b9a8a831.geo/partition=3/0a60b9a8a831.geo+3+0000001234.json");
  EXPECT_EQ(object_key("t", 1, 12345678901), "topics/t/partition=1/t+1+12345678901.json");
}

TEST(LakeLayout, ObjectNamesParseOnlyInCanonicalForm) {
  EXPECT_EQ(parse_object_file_name("a.pin+0+0000000042.json", "a.pin", 0), 42);
  EXPECT_EQ(parse_object_file_name("a.pin+0+0000000042.json", "a.pin", 1), std::nullopt);
  EXPECT_EQ(parse_object_file_name("a.pin+0+42.json", "a.pin", 0), std::nullopt);
  EXPECT_EQ(parse_object_file_name("a.pin+0+00000000042.json", "a.pin", 0), std::nullopt);
  EXPECT_EQ(parse_object_file_name("a.pin+0+0000000042.json.tmp", "a.pin", 0), std::nullopt);
  EXPECT_EQ(parse_partition_dir_name("partition=7"), 7);
  EXPECT_EQ(parse_partition_dir_name("partition=07"), std::nullopt);
  EXPECT_TRUE(topic_matches_uid("0a60b9a8a831.pin", "0a60b9a8a831"));
  EXPECT_FALSE(topic_matches_uid("0a60b9a8a831pin", "0a60b9a8a831"));
  EXPECT_FALSE(topic_matches_uid("x0a60b9a8a831.pin", "0a60b9a8a831"));
}

TEST(LakeWriter, WritesAnObjectEveryFlushSizeRecordsNamedByItsFirstOffset) {
  temp_dir d;
  lake_writer w({d.path(), 3, 0});
  ASSERT_EQ(*w.resume_offset("u.pin", 0), 0);
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(w.add("u.pin", 0, i, 1000 + i, rec(i)).ok());
  EXPECT_EQ(w.objects_written(), 2);
  std::string pdir = d.sub(partition_dir_key("u.pin", 0));
  EXPECT_EQ(files_in(pdir),
            (std::vector<std::string>{"u.pin+0+0000000000.json", "u.pin+0+0000000003.json"}));
  EXPECT_EQ(read_text(d.sub(object_key("u.pin", 0, 3))),
            rec(3) + "\n" + rec(4) + "\n" + rec(5) + "\n");
  ASSERT_TRUE(w.flush_all().ok());
  EXPECT_EQ(read_text(d.sub(object_key("u.pin", 0, 6))), rec(6) + "\n");
}

TEST(LakeWriter, CourseFlushSizeOneWritesOneObjectPerRecord) {
  temp_dir d;
  lake_writer w({d.path(), 1, 60000});
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(w.add("u.geo", 2, i, 5, rec(i)).ok());
  EXPECT_EQ(files_in(d.sub(partition_dir_key("u.geo", 2))).size(), 3u);
  EXPECT_EQ(read_text(d.sub(object_key("u.geo", 2, 1))), rec(1) + "\n");
}

TEST(LakeWriter, LineBreaksInsideAValueBecomeSpacesSoEachRecordIsOneLine) {
  temp_dir d;
  lake_writer w({d.path(), 2, 0});
  ASSERT_TRUE(w.add("u.pin", 0, 0, 1, "{\"a\":\r\n 1}").ok());
  ASSERT_TRUE(w.add("u.pin", 0, 1, 1, "{}").ok());
  EXPECT_EQ(read_text(d.sub(object_key("u.pin", 0, 0))), "{\"a\":   1}\n{}\n");
}

TEST(LakeWriter, RecordOlderThanRotateIntervalClosesThePartlyFullObject) {
  temp_dir d;
  lake_writer w({d.path(), 100, 60000});
  ASSERT_TRUE(w.add("u.pin", 0, 0, 1'000, rec(0)).ok());
  ASSERT_TRUE(w.add("u.pin", 0, 1, 60'999, rec(1)).ok()); // 59.999 s after the first: same object
  EXPECT_EQ(w.objects_written(), 0);
  ASSERT_TRUE(w.add("u.pin", 0, 2, 61'000, rec(2)).ok()); // 60 s: starts a new object
  EXPECT_EQ(w.objects_written(), 1);
  EXPECT_EQ(read_text(d.sub(object_key("u.pin", 0, 0))), rec(0) + "\n" + rec(1) + "\n");
  EXPECT_EQ(w.records_buffered(), 1);
}

TEST(LakeWriter, FlushDueClosesIdlePartitionsAfterTheRotateInterval) {
  temp_dir d;
  lake_writer w({d.path(), 100, 60000});
  ASSERT_TRUE(w.add("u.pin", 0, 0, 10'000, rec(0)).ok());
  ASSERT_TRUE(w.add("u.geo", 0, 0, 40'000, rec(0)).ok());
  ASSERT_TRUE(w.flush_due(69'999).ok());
  EXPECT_EQ(w.objects_written(), 0);
  ASSERT_TRUE(w.flush_due(70'000).ok()); // pin's first record is 60 s old, geo's is not
  EXPECT_EQ(w.objects_written(), 1);
  EXPECT_TRUE(std::filesystem::exists(d.sub(object_key("u.pin", 0, 0))));
  EXPECT_FALSE(std::filesystem::exists(d.sub(object_key("u.geo", 0, 0))));
  ASSERT_TRUE(w.flush_due(100'000).ok());
  EXPECT_TRUE(std::filesystem::exists(d.sub(object_key("u.geo", 0, 0))));
}

TEST(LakeWriter, OutOfOrderOrGappedOffsetIsRejectedWithoutChangingState) {
  temp_dir d;
  lake_writer w({d.path(), 10, 0});
  ASSERT_TRUE(w.add("u.pin", 0, 0, 1, rec(0)).ok());
  status st = w.add("u.pin", 0, 2, 1, rec(2));
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_NE(st.message().find("next expected offset 1"), std::string::npos) << st.message();
  EXPECT_EQ(w.add("u.pin", 0, 0, 1, rec(0)).code(), errc::invalid_argument);
  EXPECT_TRUE(w.add("u.pin", 0, 1, 1, rec(1)).ok());
  EXPECT_EQ(*w.resume_offset("u.pin", 0), 2);
}

TEST(LakeWriter, LeftoverTempFileIsRemovedOnStartAndIgnoredByTheReader) {
  temp_dir d;
  std::string pdir = d.sub(partition_dir_key("u.pin", 0));
  test::write_text(pdir + "/" + object_file_name("u.pin", 0, 0), rec(0) + "\n" + rec(1) + "\n");
  std::string tmp = pdir + "/" + temp_file_name(object_file_name("u.pin", 0, 2));
  test::write_text(tmp, rec(2) + "\n{\"half"); // a crash in the middle of writing
  int64_t records = 0, problems = 0;
  ASSERT_TRUE(read_lake(
                  d.path(), "u", [&](const lake_record&) { ++records; },
                  [&](const lake_problem&) { ++problems; })
                  .ok());
  EXPECT_EQ(records, 2);
  EXPECT_EQ(problems, 0);
  lake_writer w({d.path(), 10, 0});
  EXPECT_EQ(*w.resume_offset("u.pin", 0), 2);
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

TEST(LakeWriter, ObjectWithoutFinalNewlineBlocksResumeWithAClearError) {
  temp_dir d;
  test::write_text(d.sub(object_key("u.pin", 0, 0)), rec(0) + "\n" + rec(1));
  lake_writer w({d.path(), 10, 0});
  auto r = w.resume_offset("u.pin", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::corrupt_data);
  EXPECT_NE(r.error().message().find("does not end with a newline"), std::string::npos);
}

// Feeds offsets [from, to) of a deterministic record stream; timestamps jump now and then so
// record-time rotation takes part.
void feed(lake_writer& w, const std::string& topic, int32_t p, int64_t from, int64_t to) {
  for (int64_t i = from; i < to; ++i) {
    int64_t ts = i * 1000 + (i / 13) * 70'000;
    ASSERT_TRUE(w.add(topic, p, i, ts, rec(static_cast<int>(i))).ok());
  }
}

TEST(LakeWriter, ResumeAfterDroppedWriterGivesTheSameLakeAsAnUninterruptedRun) {
  temp_dir straight, crashed;
  {
    lake_writer w({straight.path(), 4, 60000});
    feed(w, "u.pin", 0, 0, 50);
    feed(w, "u.pin", 1, 0, 23);
    ASSERT_TRUE(w.flush_all().ok());
  }
  {
    lake_writer w({crashed.path(), 4, 60000});
    feed(w, "u.pin", 0, 0, 31);
    feed(w, "u.pin", 1, 0, 9);
    ASSERT_GT(w.records_buffered(), 0);
  } // dropped with buffered records: a crash
  {
    lake_writer w({crashed.path(), 4, 60000});
    int64_t r0 = *w.resume_offset("u.pin", 0), r1 = *w.resume_offset("u.pin", 1);
    EXPECT_LT(r0, 31);
    EXPECT_LE(r1, 9);
    feed(w, "u.pin", 0, r0, 40);
  } // a second crash
  {
    lake_writer w({crashed.path(), 4, 60000});
    feed(w, "u.pin", 0, *w.resume_offset("u.pin", 0), 50);
    feed(w, "u.pin", 1, *w.resume_offset("u.pin", 1), 23);
    ASSERT_TRUE(w.flush_all().ok());
  }
  auto a = snapshot(straight.path()), b = snapshot(crashed.path());
  EXPECT_GT(a.size(), 10u);
  EXPECT_EQ(a, b);
}

TEST(Connector, MovesEveryMatchingTopicIntoTheLakeAndSkipsOthers) {
  temp_dir d;
  auto log = logclient::make_memory_log_client();
  test::prepare_log(*log, 7, 120);
  connector c(*log, test::test_uid, {d.path(), 25, 60000});
  int64_t total = 0;
  for (;;) {
    auto n = c.poll_once(4096);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    if (*n == 0) break;
    total += *n;
  }
  ASSERT_TRUE(c.flush_all().ok());
  EXPECT_EQ(total, 4 * 120); // pin p0, pin p1, geo, user; not other.pin
  EXPECT_FALSE(std::filesystem::exists(d.sub("topics/other.pin")));
  // Read back: exactly the log's values (line breaks as spaces), in offset order.
  std::vector<lake_record> got;
  int64_t problems = 0;
  ASSERT_TRUE(read_lake(
                  d.path(), test::test_uid, [&](const lake_record& r) { got.push_back(r); },
                  [&](const lake_problem&) { ++problems; })
                  .ok());
  EXPECT_EQ(problems, 0);
  ASSERT_EQ(got.size(), 480u);
  size_t i = 0;
  const std::pair<std::string, int32_t> order[] = {
      {".geo", 0}, {".pin", 0}, {".pin", 1}, {".user", 0}};
  for (auto& [t, p] : order) {
    auto f = log->fetch(test::test_uid + t, partition_id{p}, offset_t{0}, 1 << 30);
    ASSERT_TRUE(f.ok());
    for (auto& r : f->records) {
      std::string v = r.rec.value;
      std::replace(v.begin(), v.end(), '\n', ' ');
      EXPECT_EQ(got[i].topic, test::test_uid + t);
      EXPECT_EQ(got[i].partition, p);
      EXPECT_EQ(got[i].offset, r.offset.get());
      EXPECT_EQ(got[i].raw, v);
      ++i;
    }
  }
}

TEST(Connector, ResumesAfterItsLastObjectWhenRestarted) {
  temp_dir d;
  auto log = logclient::make_memory_log_client();
  ASSERT_TRUE(log->create_topic("u.pin", {}).ok());
  for (int i = 0; i < 10; ++i)
    test::produce_one(*log, "u.pin", 0, rec(i), 1000);
  {
    connector c(*log, "u", {d.path(), 4, 0});
    EXPECT_EQ(*c.poll_once(), 10);
    EXPECT_EQ(c.writer().objects_written(), 2); // offsets 8, 9 stay buffered and are lost
  }
  for (int i = 10; i < 12; ++i)
    test::produce_one(*log, "u.pin", 0, rec(i), 1000);
  connector c(*log, "u", {d.path(), 4, 0});
  EXPECT_EQ(*c.poll_once(), 4); // 8..11 again
  EXPECT_EQ(read_text(d.sub(object_key("u.pin", 0, 8))),
            rec(8) + "\n" + rec(9) + "\n" + rec(10) + "\n" + rec(11) + "\n");
}

TEST(Connector, LakeAheadOfTheLogIsReportedNotOverwritten) {
  temp_dir d;
  test::write_text(d.sub(object_key("u.pin", 0, 0)), rec(0) + "\n" + rec(1) + "\n");
  auto log = logclient::make_memory_log_client();
  ASSERT_TRUE(log->create_topic("u.pin", {}).ok());
  test::produce_one(*log, "u.pin", 0, rec(0), 1);
  connector c(*log, "u", {d.path(), 4, 0});
  auto n = c.poll_once();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code(), errc::offset_out_of_range);
  EXPECT_NE(n.error().message().find("the log ends at 1"), std::string::npos);
}

} // namespace
} // namespace pinpipe::lake
