// A recreated stream in the warehouse (issue 12 item 8): rows and positions carry the stream's
// incarnation, a new incarnation starts over at offset 0 next to the old rows, exactly once per
// (incarnation, partition, offset); and a warehouse.db written before incarnations existed is
// upgraded when opened, its rows kept. Real SQLite files in a temp dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/warehouse/warehouse.hpp"
#include "tests/warehouse/test_util.hpp"

namespace pinpipe::warehouse {
namespace {

using namespace testing;
using ::testing::HasSubstr;

const std::string uid = "0a60b9a8a831";
const std::string pin_stream = "streaming-0a60b9a8a831-pin";
const std::string pin_table = "\"0a60b9a8a831_pin_table\"";

stream_batch pins(int64_t incarnation, int32_t partition, int64_t from, int64_t to) {
  auto b = pin_batch(pin_stream, partition, from, to);
  b.incarnation = incarnation;
  return b;
}

TEST(WarehouseIncarnation, ANewIncarnationStartsOverAtZeroAndKeepsTheOldRows) {
  temp_dir dir;
  auto w = warehouse::open(dir.file("w.db"), uid);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  auto& wh = **w;
  ASSERT_TRUE(wh.apply_stream(pins(100, 0, 0, 8)).ok());
  EXPECT_EQ(*wh.stream_position(pin_stream, 0, 100), 8);
  EXPECT_EQ(*wh.stream_position(pin_stream, 0, 200), 0) << "another incarnation starts at 0";

  // The recreated stream: offsets 0.. again, fewer than before.
  auto s = wh.apply_stream(pins(200, 0, 0, 3));
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto* db = wh.handle();
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table), 11) << "8 old rows + 3 new";
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table + " WHERE _incarnation = 100"), 8);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table + " WHERE _incarnation = 200"), 3);
  EXPECT_EQ(*wh.stream_position(pin_stream, 0, 200), 3);
  EXPECT_EQ(*wh.stream_position(pin_stream, 0), 3);
  EXPECT_EQ(query_int(db, "SELECT incarnation FROM stream_positions"), 200);

  // Exactly once per (incarnation, partition, offset): re-applying adds nothing.
  ASSERT_TRUE(wh.apply_stream(pins(200, 0, 0, 3)).ok());
  ASSERT_TRUE(wh.apply_stream(pins(200, 0, 1, 5)).ok());
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table + " WHERE _incarnation = 200"), 5);

  // A late batch of the old incarnation is refused, naming why, and writes nothing.
  auto stale = wh.apply_stream(pins(100, 0, 8, 10));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.code(), errc::invalid_argument);
  EXPECT_THAT(stale.message(), HasSubstr("deleted and recreated"));
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table), 13);
  EXPECT_EQ(*wh.stream_position(pin_stream, 0, 200), 5);
}

TEST(WarehouseIncarnation, DeadLettersOfANewIncarnationAreKeptBesideTheOld) {
  temp_dir dir;
  auto w = warehouse::open(dir.file("w.db"), uid);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  for (int64_t inc : {100, 200}) {
    stream_batch b;
    b.topic = pin_stream;
    b.incarnation = inc;
    b.dead.push_back(dead_letter{"stream", pin_stream, 0, 0, "{", "not JSON"});
    b.next_offset = 1;
    ASSERT_TRUE((*w)->apply_stream(b).ok());
  }
  auto* db = (*w)->handle();
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM dead_letters"), 2);
  EXPECT_EQ(query_int(db, "SELECT count(DISTINCT incarnation) FROM dead_letters"), 2);
}

TEST(WarehouseIncarnation, AWarehouseFromBeforeIncarnationsIsUpgradedWithItsRows) {
  temp_dir dir;
  const std::string path = dir.file("old.db");
  {
    // The tables as the previous release created them.
    const std::string ddl =
        "CREATE TABLE \"0a60b9a8a831_pin_table\" (\"ind\" INTEGER, \"unique_id\" TEXT, \"title\" "
        "TEXT, \"description\" TEXT, \"follower_count\" INTEGER, \"poster_name\" TEXT, "
        "\"tag_list\" TEXT, \"is_image_or_video\" TEXT, \"image_src\" TEXT, \"save_location\" "
        "TEXT, \"category\" TEXT, \"_partition\" INTEGER NOT NULL, \"_offset\" INTEGER NOT NULL, "
        "UNIQUE(_partition, _offset));"
        "INSERT INTO \"0a60b9a8a831_pin_table\" (ind, _partition, _offset) VALUES (7, 0, 0), "
        "(8, 0, 1);"
        "CREATE VIEW pins_seen AS SELECT ind FROM \"0a60b9a8a831_pin_table\";"
        "CREATE TABLE \"dead_letters\" (\"path\" TEXT NOT NULL, \"topic\" TEXT NOT NULL, "
        "\"partition\" INTEGER NOT NULL, \"offset\" INTEGER NOT NULL, \"raw\" TEXT, \"reason\" "
        "TEXT, \"time\" TEXT, UNIQUE(path, topic, \"partition\", \"offset\"));"
        "INSERT INTO dead_letters VALUES ('stream', 'streaming-0a60b9a8a831-pin', 0, 2, '{', "
        "'bad', '2026-01-01 00:00:00');"
        "CREATE TABLE \"stream_positions\" (\"topic\" TEXT NOT NULL, \"partition\" INTEGER NOT "
        "NULL, \"next_offset\" INTEGER NOT NULL, PRIMARY KEY(topic, \"partition\"));"
        "INSERT INTO stream_positions VALUES ('streaming-0a60b9a8a831-pin', 0, 3);";
    auto st = exec_file(path, ddl);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  auto w = warehouse::open(path, uid);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  auto& wh = **w;
  auto* db = wh.handle();
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table + " WHERE _incarnation = 0"), 2)
      << "the old rows are kept, with incarnation 0";
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM pins_seen"), 2) << "a user's view still works";
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM dead_letters WHERE incarnation = 0"), 1);
  EXPECT_EQ(*wh.stream_position(pin_stream, 0, 0), 3) << "the position is incarnation 0's";
  // The old topic (incarnation 0) continues where it was; a recreated one starts over.
  ASSERT_TRUE(wh.apply_stream(pins(0, 0, 0, 5)).ok());
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table), 4) << "offsets 3, 4 added";
  auto s = wh.apply_stream(pins(555, 0, 0, 2));
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM " + pin_table), 6);
  // Opening the upgraded file again changes nothing.
  w->reset();
  auto again = warehouse::open(path, uid);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(query_int((*again)->handle(), "SELECT count(*) FROM " + pin_table), 6);
}

} // namespace
} // namespace pinpipe::warehouse
