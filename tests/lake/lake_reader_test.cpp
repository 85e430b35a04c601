// The lake reader: order, problems reported with reasons (truncated objects, non-JSON and
// non-UTF-8 lines, gaps, overlaps), temp files ignored and progress. Read speed:
// bench/lake_read_bench.
#include <gtest/gtest.h>

#include "pipeline/lake/json_check.hpp"
#include "pipeline/lake/lake_reader.hpp"
#include "pipeline/lake/lake_writer.hpp"
#include "tests/lake/lake_test_util.hpp"

namespace pinpipe::lake {
namespace {

using test::temp_dir;
using test::write_text;

struct collected {
  std::vector<lake_record> records;
  std::vector<lake_problem> problems;
  std::vector<std::pair<int64_t, int64_t>> progress;
};

collected read_all(const std::string& dir, const std::string& uid = "u") {
  collected c;
  status st = read_lake(
      dir, uid, [&](const lake_record& r) { c.records.push_back(r); },
      [&](const lake_problem& p) { c.problems.push_back(p); },
      [&](int64_t done, int64_t total) { c.progress.emplace_back(done, total); });
  EXPECT_TRUE(st.ok()) << st.to_string();
  return c;
}

TEST(JsonCheck, AcceptsJsonValuesAndRejectsOthersWithAReason) {
  for (const char* ok : {"{}", "[]", " {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]} ",
                         "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "0", "\"\\ud83d\\ude00\""})
    EXPECT_TRUE(check_json(ok)) << ok;
  std::string why;
  EXPECT_FALSE(check_json("{\"a\": 1", &why));
  EXPECT_NE(why.find("not JSON: unterminated object"), std::string::npos) << why;
  EXPECT_FALSE(check_json("{\"a\": 01}", &why));
  EXPECT_NE(why.find("not JSON"), std::string::npos) << why;
  EXPECT_FALSE(check_json("hello", &why));
  EXPECT_NE(why.find("'h' at byte 0"), std::string::npos) << why;
  EXPECT_FALSE(check_json("{} {}", &why));
  EXPECT_NE(why.find("unexpected data after the JSON value"), std::string::npos) << why;
  EXPECT_FALSE(check_json("", &why));
  EXPECT_FALSE(check_json("[1,]", &why));
  EXPECT_FALSE(check_json("\"a\tb\"", &why));
  EXPECT_NE(why.find("control character"), std::string::npos) << why;
  EXPECT_FALSE(check_json("\"\\ud83d\"", &why));
  EXPECT_NE(why.find("surrogate"), std::string::npos) << why;
  EXPECT_FALSE(check_json(std::string(600, '[') + std::string(600, ']'), &why));
  EXPECT_NE(why.find("nesting"), std::string::npos) << why;
}

TEST(JsonCheck, RejectsInvalidUtf8WithAUtf8Reason) {
  std::string why;
  for (std::string bad :
       {std::string("\"\xff\""), std::string("\"\xc0\xaf\""), std::string("\"\xed\xa0\x80\""),
        std::string("\"\xe2\x82\""), std::string("\"\xf4\x90\x80\x80\"")}) {
    EXPECT_FALSE(check_json(bad, &why));
    EXPECT_EQ(why.rfind("not valid UTF-8", 0), 0u) << why;
  }
}

TEST(LakeReader, VisitsTopicsPartitionsAndOffsetsInOrder) {
  temp_dir d;
  write_text(d.sub(object_key("u.pin", 10, 0)), "{\"p\":10}\n");
  write_text(d.sub(object_key("u.pin", 2, 3)), "{\"p\":2,\"o\":3}\n");
  write_text(d.sub(object_key("u.pin", 2, 0)), "{\"o\":0}\n{\"o\":1}\n{\"o\":2}\n");
  write_text(d.sub(object_key("u.geo", 0, 0)), "{\"g\":0}\n");
  write_text(d.sub(object_key("v.geo", 0, 0)), "{\"other uid\":0}\n");
  write_text(d.sub(partition_dir_key("u.pin", 2) + "/notes.txt"), "not an object\n");
  auto c = read_all(d.path());
  std::vector<std::tuple<std::string, int32_t, int64_t>> got;
  for (auto& r : c.records)
    got.emplace_back(r.topic, r.partition, r.offset);
  std::vector<std::tuple<std::string, int32_t, int64_t>> want = {{"u.geo", 0, 0}, {"u.pin", 2, 0},
                                                                 {"u.pin", 2, 1}, {"u.pin", 2, 2},
                                                                 {"u.pin", 2, 3}, {"u.pin", 10, 0}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(c.records[1].raw, "{\"o\":0}");
  EXPECT_TRUE(c.problems.empty());
  ASSERT_FALSE(c.progress.empty());
  EXPECT_EQ(c.progress.front(), std::make_pair(int64_t{0}, int64_t{4}));
  EXPECT_EQ(c.progress.back(), std::make_pair(int64_t{4}, int64_t{4}));
}

TEST(LakeReader, TruncatedObjectIsReportedWithItsPartialLine) {
  temp_dir d;
  std::string path = d.sub(object_key("u.pin", 0, 5));
  write_text(path, "{\"a\":1}\n{\"a\":2}\n{\"a\":");
  auto c = read_all(d.path());
  ASSERT_EQ(c.records.size(), 2u);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].object_path, path);
  EXPECT_EQ(c.problems[0].raw, "{\"a\":");
  EXPECT_EQ(c.problems[0].offset, 7);
  EXPECT_NE(c.problems[0].reason.find("truncated object"), std::string::npos);
}

TEST(LakeReader, NotJsonAndNotUtf8LinesAreReportedAndTheRestIsRead) {
  temp_dir d;
  write_text(d.sub(object_key("u.user", 0, 0)),
             "{\"ok\":1}\nthis is not json\n\"bad \xff byte\"\n\n{\"ok\":2}\n");
  auto c = read_all(d.path());
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].offset, 4);
  ASSERT_EQ(c.problems.size(), 3u);
  EXPECT_EQ(c.problems[0].offset, 1);
  EXPECT_EQ(c.problems[0].raw, "this is not json");
  EXPECT_EQ(c.problems[0].reason.rfind("not JSON", 0), 0u) << c.problems[0].reason;
  EXPECT_EQ(c.problems[1].offset, 2);
  EXPECT_EQ(c.problems[1].reason.rfind("not valid UTF-8", 0), 0u) << c.problems[1].reason;
  EXPECT_EQ(c.problems[2].offset, 3); // empty line
  EXPECT_EQ(c.problems[2].reason.rfind("not JSON", 0), 0u);
}

TEST(LakeReader, GapsAndOverlapsBetweenObjectsAreReported) {
  temp_dir d;
  write_text(d.sub(object_key("u.pin", 0, 0)), "1\n2\n");    // offsets 0, 1
  write_text(d.sub(object_key("u.pin", 0, 4)), "5\n6\n7\n"); // 2, 3 missing
  write_text(d.sub(object_key("u.pin", 0, 6)), "7\n8\n");    // 6 overlaps
  auto c = read_all(d.path());
  std::vector<int64_t> offsets;
  for (auto& r : c.records)
    offsets.push_back(r.offset);
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 4, 5, 6, 7}));
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].offset, 2);
  EXPECT_NE(c.problems[0].reason.find("offsets 2..3 are in no object"), std::string::npos);
  EXPECT_EQ(c.problems[1].offset, 6);
  EXPECT_NE(c.problems[1].reason.find("overlap"), std::string::npos);
}

TEST(LakeReader, MissingLakeDirIsAnErrorAndLakeWithoutTopicsIsEmpty) {
  temp_dir d;
  auto st = read_lake(
      d.sub("nope"), "u", [](const lake_record&) {}, [](const lake_problem&) {});
  EXPECT_EQ(st.code(), errc::not_found);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos);
  auto c = read_all(d.path());
  EXPECT_TRUE(c.records.empty());
}

} // namespace
} // namespace pinpipe::lake
