// The CLI's read-only views of a warehouse file (pipeline/warehouse/inspect.hpp and
// batch::read_run_history): counts and positions match what was written, missing tables
// count -1, a missing file is an error naming it, and reading never creates or changes it.
#include <filesystem>

#include <gtest/gtest.h>

#include "pipeline/batch/scheduler.hpp"
#include "pipeline/warehouse/inspect.hpp"
#include "tests/warehouse/test_util.hpp"

using namespace pinpipe;
using namespace pinpipe::warehouse;
using namespace pinpipe::warehouse::testing;

namespace {

const std::string uid = "0a60b9a8a831";
const std::string pin_stream = "streaming-0a60b9a8a831-pin";

TEST(WarehouseInspect, CountsPositionsAndMissingTables) {
  temp_dir dir;
  const auto path = dir.file("warehouse.db");
  {
    auto wh = warehouse::warehouse::open(path, uid);
    ASSERT_TRUE(wh.ok()) << wh.error().to_string();
    ASSERT_TRUE((*wh)->apply_stream(pin_batch(pin_stream, 1, 0, 7)).ok());
  }
  auto counts = table_counts(path, {uid + "_pin_table", "pin_clean", "no_such_table"});
  ASSERT_TRUE(counts.ok()) << counts.error().to_string();
  ASSERT_EQ(counts->size(), 3u);
  EXPECT_EQ((*counts)[0], std::make_pair(uid + "_pin_table", int64_t{7}));
  EXPECT_EQ((*counts)[1], std::make_pair(std::string("pin_clean"), int64_t{0}));
  EXPECT_EQ((*counts)[2], std::make_pair(std::string("no_such_table"), int64_t{-1}));

  auto pos = stream_positions(path);
  ASSERT_TRUE(pos.ok()) << pos.error().to_string();
  ASSERT_EQ(pos->size(), 1u);
  EXPECT_EQ(pos->at({pin_stream, 1}), 7);

  EXPECT_EQ(reported_tables(uid).size(), 7u);
  EXPECT_EQ(reported_tables(uid).front(), uid + "_pin_table");
}

TEST(WarehouseInspect, QueryReadOnlyReturnsRowsAndRefusesWrites) {
  temp_dir dir;
  const auto path = dir.file("warehouse.db");
  {
    auto wh = warehouse::warehouse::open(path, uid);
    ASSERT_TRUE(wh.ok()) << wh.error().to_string();
    ASSERT_TRUE((*wh)->apply_stream(pin_batch(pin_stream, 0, 0, 3)).ok());
  }
  auto q = query_readonly(path, "SELECT partition, next_offset, NULL AS n FROM stream_positions");
  ASSERT_TRUE(q.ok()) << q.error().to_string();
  EXPECT_EQ(q->header, (std::vector<std::string>{"partition", "next_offset", "n"}));
  ASSERT_EQ(q->rows.size(), 1u);
  EXPECT_EQ(q->rows[0], (std::vector<std::string>{"0", "3", "NULL"}));

  auto bad = query_readonly(path, "SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_argument);
  EXPECT_NE(bad.error().message().find("no_such_table"), std::string::npos);
  auto empty = query_readonly(path, "   ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(), "no statement");
  auto write = query_readonly(path, "DELETE FROM stream_positions");
  ASSERT_FALSE(write.ok());
  EXPECT_NE(write.error().code(), errc::invalid_argument) << write.error().to_string();
  EXPECT_EQ(query_readonly(path, "SELECT COUNT(*) FROM stream_positions")->rows[0][0], "1");
}

TEST(WarehouseInspect, MissingFileIsAnErrorAndIsNotCreated) {
  temp_dir dir;
  const auto path = dir.file("absent.db");
  auto counts = table_counts(path, reported_tables(uid));
  ASSERT_FALSE(counts.ok());
  EXPECT_NE(counts.error().message().find(path), std::string::npos) << counts.error().message();
  EXPECT_FALSE(stream_positions(path).ok());
  EXPECT_FALSE(batch::read_run_history(path, uid + "_dag").ok());
  EXPECT_FALSE(query_readonly(path, "SELECT 1").ok());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WarehouseInspect, RunHistoryReadOnly) {
  temp_dir dir;
  const auto path = dir.file("warehouse.db");
  { ASSERT_TRUE(warehouse::warehouse::open(path, uid).ok()); }
  // No batch_runs table yet: an empty history, not an error.
  auto none = batch::read_run_history(path, uid + "_dag");
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_TRUE(none->empty());

  batch::scheduler_options o;
  o.dag_id = uid + "_dag";
  auto sched = batch::scheduler::open(path, o, batch::system_sched_clock());
  ASSERT_TRUE(sched.ok()) << sched.error().to_string();
  auto run = (*sched)->trigger_manual();
  ASSERT_TRUE(run.ok()) << run.error().to_string();

  auto runs = batch::read_run_history(path, uid + "_dag");
  ASSERT_TRUE(runs.ok()) << runs.error().to_string();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].run_id, run->run_id);
  EXPECT_EQ((*runs)[0].state, "queued");
  EXPECT_EQ(*runs, *(*sched)->list_runs());
  EXPECT_TRUE(batch::read_run_history(path, "other_dag")->empty());
}

} // namespace
