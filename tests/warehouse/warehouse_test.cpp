// The warehouse (pipeline/warehouse/warehouse.hpp) on real SQLite files in a temp dir: schema,
// exactly-once stream apply, positions, dead letters, batch table replacement.
#include "pipeline/warehouse/warehouse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/warehouse/test_util.hpp"

namespace pinpipe::warehouse {
namespace {

using namespace testing;
using ::testing::HasSubstr;

const std::string uid = "0a60b9a8a831";
const std::string pin_stream = "streaming-0a60b9a8a831-pin";

std::vector<std::string> columns(sqlite3* db, const std::string& table) {
  std::vector<std::string> out;
  auto rows = sql::query_text(db, "PRAGMA table_info(\"" + table + "\")");
  EXPECT_TRUE(rows.ok()) << rows.error().to_string();
  if (rows)
    for (const auto& r : *rows)
      out.push_back(r[1].value_or(""));
  return out;
}

std::string text(sqlite3* db, const std::string& sql_text) {
  auto rows = sql::query_text(db, sql_text);
  EXPECT_TRUE(rows.ok()) << rows.error().to_string();
  if (!rows || rows->empty()) return "<no row>";
  return rows->front()[0].value_or("<null>");
}

class Warehouse : public ::testing::Test {
protected:
  void SetUp() override {
    auto w = warehouse::open(dir.file("warehouse.db"), uid);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    wh = std::move(*w);
  }
  int64_t count(const std::string& table) {
    auto c = wh->count(table);
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c.ok() ? *c : -1;
  }
  int64_t position(const std::string& topic, int32_t partition = 0) {
    auto p = wh->stream_position(topic, partition);
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    return p.ok() ? *p : -1;
  }
  temp_dir dir;
  std::unique_ptr<warehouse> wh;
};

const std::vector<std::string> pin_cols = {
    "ind",      "unique_id",         "title",     "description",   "follower_count", "poster_name",
    "tag_list", "is_image_or_video", "image_src", "save_location", "category"};
const std::vector<std::string> geo_cols = {"ind", "country", "coordinates", "timestamp"};
const std::vector<std::string> user_cols = {"ind", "user_name", "age", "date_joined"};

std::vector<std::string> plus(std::vector<std::string> v, std::vector<std::string> more) {
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

TEST_F(Warehouse, SchemaHasThePipelineColumnsInOrder) {
  auto* db = wh->handle();
  EXPECT_EQ(columns(db, "pin_clean"), pin_cols);
  EXPECT_EQ(columns(db, "geo_clean"), geo_cols);
  EXPECT_EQ(columns(db, "user_clean"), user_cols);
  EXPECT_EQ(columns(db, uid + "_pin_table"), plus(pin_cols, {"_partition", "_offset", "_incarnation"}));
  EXPECT_EQ(columns(db, uid + "_geo_table"),
            plus(geo_cols, {"_partition", "_offset", "_incarnation"}));
  EXPECT_EQ(columns(db, uid + "_user_table"),
            plus(user_cols, {"_partition", "_offset", "_incarnation"}));
  EXPECT_EQ(columns(db, "dead_letters"),
            (std::vector<std::string>{"path", "topic", "partition", "offset", "raw", "reason",
                                      "time", "incarnation"}));
  EXPECT_EQ(columns(db, "stream_positions"),
            (std::vector<std::string>{"topic", "partition", "next_offset", "incarnation"}));
  EXPECT_EQ(wh->stream_table(clean::kind::geo), uid + "_geo_table");
}

TEST_F(Warehouse, FileIsInWalMode) {
  EXPECT_EQ(text(wh->handle(), "PRAGMA journal_mode"), "wal");
}

TEST_F(Warehouse, StreamTablesRejectADuplicatePartitionOffsetPair) {
  auto* db = wh->handle();
  std::string ins = "INSERT INTO \"" + uid +
                    "_user_table\" VALUES (1, 'a b', 3, "
                    "'2015-10-24 11:23:51', 0, 7, 0)";
  ASSERT_TRUE(sql::exec(db, ins).ok());
  EXPECT_EQ(sql::exec(db, ins).code(), errc::corrupt_data); // SQLITE_CONSTRAINT
}

TEST_F(Warehouse, ReopeningKeepsDataAndSchema) {
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 0, 5)).ok());
  wh.reset();
  auto w = warehouse::open(dir.file("warehouse.db"), uid);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(*(*w)->count(uid + "_pin_table"), 5);
  EXPECT_EQ(*(*w)->stream_position(pin_stream, 0), 5);
}

TEST(WarehouseOpen, RejectsUnusableUserId) {
  temp_dir dir;
  for (const char* bad : {"", "a-b", "x\"; DROP TABLE t; --", "a b"}) {
    auto w = warehouse::open(dir.file("w.db"), bad);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.error().code(), errc::invalid_argument);
  }
}

TEST(WarehouseOpen, RejectsAnExistingTableWithOtherColumns) {
  temp_dir dir;
  ASSERT_TRUE(
      exec_file(dir.file("w.db"), "CREATE TABLE geo_clean (ind INTEGER, latitude REAL)").ok());
  auto w = warehouse::open(dir.file("w.db"), uid);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), errc::corrupt_data);
  EXPECT_THAT(w.error().message(), HasSubstr("table geo_clean has columns (ind, latitude)"));
}

TEST(WarehouseOpen, FailsCleanlyWhenTheDirectoryDoesNotExist) {
  auto w = warehouse::open("/nonexistent-dir-pinpipe/w.db", uid);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.error().message(), HasSubstr("/nonexistent-dir-pinpipe/w.db"));
}

TEST_F(Warehouse, ApplyStreamStoresEveryColumnPlusPartitionAndOffset) {
  stream_batch b;
  b.topic = "streaming-0a60b9a8a831-geo";
  b.partition = 3;
  clean::geo_row g{42, std::nullopt, 10.0, -0.5, "2021-03-04 05:06:07"};
  b.rows.emplace_back(17, clean::row{g});
  b.next_offset = 18;
  ASSERT_TRUE(wh->apply_stream(b).ok());
  auto* db = wh->handle();
  std::string t = "\"" + uid + "_geo_table\"";
  EXPECT_EQ(query_int(db, "SELECT ind FROM " + t), 42);
  EXPECT_EQ(text(db, "SELECT country FROM " + t), "<null>");
  EXPECT_EQ(text(db, "SELECT coordinates FROM " + t), "[10.0, -0.5]");
  EXPECT_EQ(text(db, "SELECT timestamp FROM " + t), "2021-03-04 05:06:07");
  EXPECT_EQ(query_int(db, "SELECT _partition FROM " + t), 3);
  EXPECT_EQ(query_int(db, "SELECT _offset FROM " + t), 17);
  EXPECT_EQ(position(b.topic, 3), 18);
  EXPECT_EQ(position(b.topic, 0), 0); // other partitions untouched
}

TEST_F(Warehouse, ApplyStreamStoresPinNullsAsSqlNull) {
  auto b = pin_batch(pin_stream, 0, 0, 7); // ind 0 has a null follower_count (0 % 7 == 0)
  std::get<clean::pin_row>(b.rows[1].second).title = std::nullopt;
  ASSERT_TRUE(wh->apply_stream(b).ok());
  auto* db = wh->handle();
  std::string t = "\"" + uid + "_pin_table\"";
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + t + " WHERE follower_count IS NULL"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + t + " WHERE title IS NULL"), 1);
  EXPECT_EQ(query_int(db, "SELECT follower_count FROM " + t + " WHERE ind = 3"), 3000);
  EXPECT_EQ(text(db, "SELECT typeof(follower_count) FROM " + t + " WHERE ind = 3"), "integer");
}

TEST_F(Warehouse, ReapplyingTheSameBatchAddsNothing) {
  auto b = pin_batch(pin_stream, 0, 0, 100);
  ASSERT_TRUE(wh->apply_stream(b).ok());
  ASSERT_TRUE(wh->apply_stream(b).ok());
  ASSERT_TRUE(wh->apply_stream(b).ok());
  EXPECT_EQ(count(uid + "_pin_table"), 100);
  EXPECT_EQ(position(pin_stream), 100);
}

TEST_F(Warehouse, OverlappingBatchAddsOnlyItsNewPart) {
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 0, 100)).ok());
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 50, 150)).ok());
  EXPECT_EQ(count(uid + "_pin_table"), 150);
  EXPECT_EQ(position(pin_stream), 150);
  auto* db = wh->handle();
  EXPECT_EQ(query_int(db, "SELECT count(DISTINCT _offset) FROM \"" + uid + "_pin_table\""), 150);
  EXPECT_EQ(query_int(db, "SELECT max(_offset) FROM \"" + uid + "_pin_table\""), 149);
}

TEST_F(Warehouse, AnOlderBatchNeverMovesThePositionBack) {
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 0, 100)).ok());
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 10, 20)).ok());
  EXPECT_EQ(position(pin_stream), 100);
  EXPECT_EQ(count(uid + "_pin_table"), 100);
}

TEST_F(Warehouse, PositionsAreKeptPerTopicAndPartition) {
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 0, 10)).ok());
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 1, 0, 4)).ok());
  EXPECT_EQ(position(pin_stream, 0), 10);
  EXPECT_EQ(position(pin_stream, 1), 4);
  EXPECT_EQ(position("streaming-0a60b9a8a831-geo", 0), 0);
}

TEST_F(Warehouse, AnEmptyBatchStillAdvancesThePosition) {
  stream_batch b;
  b.topic = pin_stream;
  b.next_offset = 40; // e.g. the log's start moved past deleted records
  ASSERT_TRUE(wh->apply_stream(b).ok());
  EXPECT_EQ(position(pin_stream), 40);
  ASSERT_TRUE(wh->apply_stream(pin_batch(pin_stream, 0, 30, 45)).ok());
  EXPECT_EQ(count(uid + "_pin_table"), 5); // only offsets 40..44
}

TEST_F(Warehouse, DeadLettersAreStoredWithTheirReasonInTheSameTransaction) {
  auto b = pin_batch(pin_stream, 2, 0, 3);
  b.rows.erase(b.rows.begin() + 1); // offset 1 is a dead letter
  b.dead.push_back(
      {"stream", pin_stream, 2, 1, "[1, 2]", "pin record: not a JSON object (found an array)"});
  ASSERT_TRUE(wh->apply_stream(b).ok());
  ASSERT_TRUE(wh->apply_stream(b).ok()); // again: nothing new
  EXPECT_EQ(count("dead_letters"), 1);
  EXPECT_EQ(count(uid + "_pin_table"), 2);
  auto* db = wh->handle();
  EXPECT_EQ(text(db, "SELECT reason FROM dead_letters"),
            "pin record: not a JSON object (found an array)");
  EXPECT_EQ(text(db, "SELECT raw FROM dead_letters"), "[1, 2]");
  EXPECT_EQ(text(db, "SELECT path || ' ' || topic || ' ' || \"partition\" || ' ' || \"offset\" "
                     "FROM dead_letters"),
            "stream " + pin_stream + " 2 1");
  std::string time = text(db, "SELECT time FROM dead_letters");
  EXPECT_EQ(time.size(), 19u) << time; // "YYYY-MM-DD HH:MM:SS"
  EXPECT_EQ(time[10], ' ');
}

TEST_F(Warehouse, AddDeadLettersIsIdempotentPerRecord) {
  std::vector<dead_letter> d = {{"batch", "0a60b9a8a831.user", 0, 13, "{\"index\": 1234}",
                                 "user record: field 'ind' is missing"},
                                {"batch", "0a60b9a8a831.user", 0, 14, "{\"ind\": 1234}",
                                 "user record: field 'first_name' is missing"}};
  ASSERT_TRUE(wh->add_dead_letters(d).ok());
  ASSERT_TRUE(wh->add_dead_letters(d).ok()); // a second batch run over the same lake
  EXPECT_EQ(count("dead_letters"), 2);
  d[0].path = "stream"; // the same offset seen by the other path is another dead letter
  ASSERT_TRUE(wh->add_dead_letters({d[0]}).ok());
  EXPECT_EQ(count("dead_letters"), 3);
}

TEST_F(Warehouse, ReplaceBatchTablesReplacesTheirContent) {
  ASSERT_TRUE(wh->replace_batch_tables({make_pin(1), make_pin(2)}, {make_geo(1)},
                                       {make_user(1), make_user(2), make_user(3)})
                  .ok());
  EXPECT_EQ(count("pin_clean"), 2);
  EXPECT_EQ(count("geo_clean"), 1);
  EXPECT_EQ(count("user_clean"), 3);
  ASSERT_TRUE(wh->replace_batch_tables({make_pin(9)}, {}, {make_user(7)}).ok());
  EXPECT_EQ(count("pin_clean"), 1);
  EXPECT_EQ(count("geo_clean"), 0);
  EXPECT_EQ(count("user_clean"), 1);
  auto* db = wh->handle();
  EXPECT_EQ(query_int(db, "SELECT ind FROM pin_clean"), 9);
  EXPECT_EQ(query_int(db, "SELECT ind FROM user_clean"), 7);
  EXPECT_EQ(count(uid + "_pin_table"), 0); // stream tables are not touched
}

TEST_F(Warehouse, BatchTablesStoreCoordinatesAsJsonArrayText) {
  ASSERT_TRUE(wh->replace_batch_tables({}, {make_geo(5)}, {}).ok());
  EXPECT_EQ(text(wh->handle(), "SELECT coordinates FROM geo_clean"), "[-89.9787, -173.293]");
  EXPECT_EQ(text(wh->handle(), "SELECT json_extract(coordinates, '$[1]') FROM geo_clean"),
            "-173.293");
}

TEST_F(Warehouse, InvalidBatchesAreRejectedAndWriteNothing) {
  auto wrong_kind = pin_batch("streaming-0a60b9a8a831-geo", 0, 0, 3);
  auto unordered = pin_batch(pin_stream, 0, 0, 3);
  std::swap(unordered.rows[0], unordered.rows[1]);
  auto short_next = pin_batch(pin_stream, 0, 0, 3);
  short_next.next_offset = 2;
  auto unknown_topic = pin_batch("some-other-topic", 0, 0, 3);
  auto batch_topic = pin_batch("0a60b9a8a831.pin", 0, 0, 3); // only streams feed stream tables
  auto other_uid = pin_batch("streaming-129a67850695-pin", 0, 0, 3);
  auto both = pin_batch(pin_stream, 0, 0, 3);
  both.dead.push_back({"stream", pin_stream, 0, 1, "x", "y"});
  auto other_partition = pin_batch(pin_stream, 0, 0, 3);
  other_partition.rows.clear();
  other_partition.dead.push_back({"stream", pin_stream, 5, 1, "x", "y"});
  for (auto* b : {&wrong_kind, &unordered, &short_next, &unknown_topic, &batch_topic, &other_uid,
                  &both, &other_partition}) {
    auto st = wh->apply_stream(*b);
    EXPECT_EQ(st.code(), errc::invalid_argument) << b->topic;
  }
  EXPECT_EQ(count(uid + "_pin_table"), 0);
  EXPECT_EQ(count("dead_letters"), 0);
  EXPECT_EQ(position(pin_stream), 0);
}

TEST_F(Warehouse, ConstraintViolationRollsBackTheWholeBatch) {
  // A row written behind the sink's back at offset 5: the batch 0..10 hits the UNIQUE guard.
  std::string ins = "INSERT INTO \"" + uid +
                    "_pin_table\" (ind, _partition, _offset) "
                    "VALUES (5, 0, 5)";
  ASSERT_TRUE(sql::exec(wh->handle(), ins).ok());
  auto st = wh->apply_stream(pin_batch(pin_stream, 0, 0, 10));
  EXPECT_EQ(st.code(), errc::corrupt_data) << st.to_string();
  EXPECT_EQ(count(uid + "_pin_table"), 1);
  EXPECT_EQ(position(pin_stream), 0);
}

TEST_F(Warehouse, CountOfAnUnknownTableIsNotFound) {
  auto c = wh->count("no_such_table");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), errc::not_found);
}

} // namespace
} // namespace pinpipe::warehouse
