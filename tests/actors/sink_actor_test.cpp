// The sink actor over a real warehouse file, on CAF's deterministic test coordinator:
// one batch = one transaction (rows + dead letters + position), applied exactly once.
#include "actors/sink_actor.hpp"

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/pipeline_util.hpp"

namespace pinpipe::actors {
namespace {

using namespace testing;

/// User rows at offsets [from, to) of partition p, plus a dead letter at `dead_at` (if >= 0).
warehouse::stream_batch users(int32_t p, int64_t from, int64_t to, int64_t dead_at = -1) {
  warehouse::stream_batch b;
  b.topic = user_stream;
  b.partition = p;
  for (int64_t off = from; off < to; ++off) {
    if (off == dead_at) {
      b.dead.push_back(warehouse::dead_letter{"stream", user_stream, p, off, "{", "bad json"});
      continue;
    }
    b.rows.emplace_back(off, clean::user_row{off, "Abigail Ali", 20, "2015-10-24 11:23:51"});
  }
  b.next_offset = to;
  return b;
}

class SinkActor : public actor_test {
protected:
  sink_actor sink;
  void SetUp() override {
    actor_test::SetUp();
    auto wh = warehouse::warehouse::open(dir.file("warehouse.db"), uid);
    ASSERT_TRUE(wh) << wh.error().to_string();
    sink = track(spawn_sink(sys, std::shared_ptr<warehouse::warehouse>(std::move(*wh)),
                            actor_thread::shared));
  }
  int64_t position(int32_t p) {
    auto r = ask<int64_t>(sink, position_atom::value, user_stream, p);
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }
};

TEST_F(SinkActor, CommitsABatchAndRepliesItsNextOffset) {
  EXPECT_EQ(position(0), 0) << "a partition never written starts at 0";
  auto r = ask<int64_t>(sink, users(0, 0, 5, /*dead_at=*/2));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, 5);
  EXPECT_EQ(position(0), 5);
  EXPECT_EQ(position(1), 0) << "positions are per partition";
  warehouse_reader wh(dir.file("warehouse.db"));
  EXPECT_EQ(wh.offsets(user_table, 0), (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(wh.count("dead_letters"), 1);
  auto st = ask<actor_stats>(sink, stats_atom::value);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value.items, 4);
  EXPECT_EQ(st.value.dead_letters, 1);
  EXPECT_EQ(st.value.errors, 0);
}

TEST_F(SinkActor, ABatchDeliveredTwiceIsAppliedOnce) {
  ASSERT_TRUE(ask<int64_t>(sink, users(0, 0, 5)).ok());
  auto again = ask<int64_t>(sink, users(0, 0, 5));
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_EQ(again.value, 5);
  // An overlapping batch adds only what lies past the committed position.
  auto overlap = ask<int64_t>(sink, users(0, 3, 8));
  ASSERT_TRUE(overlap.ok()) << overlap.error;
  EXPECT_EQ(overlap.value, 8);
  warehouse_reader wh(dir.file("warehouse.db"));
  EXPECT_EQ(wh.offsets(user_table, 0), iota(8));
  EXPECT_EQ(position(0), 8);
}

TEST_F(SinkActor, AFailedTransactionRepliesAnErrorAndCommitsNothing) {
  ASSERT_TRUE(ask<int64_t>(sink, users(0, 0, 2)).ok());
  warehouse_reader wh(dir.file("warehouse.db"));
  wh.exec("CREATE TRIGGER fail_at_4 BEFORE INSERT ON \"" + user_table +
          "\" WHEN NEW._offset = 4 BEGIN SELECT RAISE(ABORT, 'injected failure at offset 4'); "
          "END");
  auto failed = ask<int64_t>(sink, users(0, 2, 6));
  ASSERT_TRUE(failed.answered);
  EXPECT_NE(failed.error.find("injected failure"), std::string::npos) << failed.error;
  EXPECT_EQ(wh.offsets(user_table, 0), iota(2)) << "rows 2 and 3 must roll back";
  EXPECT_EQ(position(0), 2) << "the position stays where the last commit left it";
  auto st = ask<actor_stats>(sink, stats_atom::value);
  EXPECT_EQ(st.value.errors, 1);
  EXPECT_NE(st.value.last_error.find("injected failure"), std::string::npos);

  wh.exec("DROP TRIGGER fail_at_4");
  auto retried = ask<int64_t>(sink, users(0, 2, 6));
  ASSERT_TRUE(retried.ok()) << retried.error;
  EXPECT_EQ(wh.offsets(user_table, 0), iota(6));
}

} // namespace
} // namespace pinpipe::actors
