// The stream path (stream reader -> cleaner -> sink) on CAF's deterministic test
// coordinator, over the in-memory log and a real warehouse file. A relay in front of the
// sink (sink_relay.hpp) records every batch the reader delivers.
#include "actors/cleaner_actor.hpp"
#include "actors/sink_actor.hpp"
#include "actors/stream_reader_actor.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/pipeline_util.hpp"
#include "tests/actors/sink_relay.hpp"

namespace pinpipe::actors {
namespace {

using namespace testing;

class StreamReader : public actor_test {
protected:
  std::unique_ptr<logclient::local_log_client> log = logclient::make_memory_log_client();
  std::shared_ptr<relay_log> seen = std::make_shared<relay_log>();
  sink_actor sink;
  sink_actor relay;
  cleaner_actor cleaner;

  void SetUp() override {
    actor_test::SetUp();
    auto wh = warehouse::warehouse::open(dir.file("warehouse.db"), uid);
    ASSERT_TRUE(wh) << wh.error().to_string();
    sink = track(spawn_sink(sys, std::shared_ptr<warehouse::warehouse>(std::move(*wh)),
                            actor_thread::shared));
    relay = track(spawn_relay(sys, sink, seen));
    cleaner = track(spawn_cleaner(sys));
  }

  caf::actor start_reader(int32_t max_bytes) {
    stream_reader_options o;
    o.stream = user_stream;
    o.max_bytes = max_bytes;
    return track(spawn_stream_reader(sys, *log, o, cleaner, relay));
  }

  /// Produces users [from, to) to partition p in one produce call.
  void produce_users(int32_t p, int64_t from, int64_t to) {
    std::vector<std::string> values;
    for (int64_t i = from; i < to; ++i)
      values.push_back(user_json(i));
    produce(*log, user_stream, p, values);
  }

  actor_stats stats_of(const caf::actor& a) {
    auto r = ask<actor_stats>(a, stats_atom::value);
    EXPECT_TRUE(r.ok()) << r.error;
    return r.value;
  }

  warehouse_reader wh_reader() { return warehouse_reader(dir.file("warehouse.db")); }
};

/// The _offset column of partition p in the order the rows were inserted.
std::vector<int64_t> applied_order(warehouse_reader& r, int32_t p) {
  return r.ints("SELECT _offset FROM \"" + user_table + "\" WHERE _partition = " +
                std::to_string(p) + " ORDER BY rowid");
}

TEST_F(StreamReader, AppliesEveryRecordOnceInLogOrderPerPartition) {
  create(*log, user_stream, 3);
  for (int32_t p = 0; p < 3; ++p)
    produce_users(p, p * 100, p * 100 + 12);
  auto reader = start_reader(1); // one record per fetch: many batches per partition
  run();
  auto r = wh_reader();
  for (int32_t p = 0; p < 3; ++p) {
    EXPECT_EQ(applied_order(r, p), iota(12)) << "partition " << p;
    auto ds = seen->of(p);
    ASSERT_EQ(ds.size(), 12u);
    for (size_t i = 0; i < ds.size(); ++i) {
      EXPECT_TRUE(ds[i].committed);
      EXPECT_EQ(ds[i].first, static_cast<int64_t>(i)) << "partition " << p;
      EXPECT_EQ(ds[i].next, static_cast<int64_t>(i) + 1);
    }
  }
  auto rows = r.ints("SELECT ind FROM \"" + user_table + "\" WHERE _partition = 2 ORDER BY _offset");
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows.front(), 200);
  EXPECT_EQ(rows.back(), 211);
  EXPECT_EQ(stats_of(reader).items, 36);
  EXPECT_EQ(stats_of(reader).errors, 0);
}

TEST_F(StreamReader, KeepsOneBatchInFlightPerPartition) {
  create(*log, user_stream, 3);
  for (int32_t p = 0; p < 3; ++p)
    produce_users(p, 0, 6);
  seen->held.insert(1); // partition 1's sink is slow: its batch waits at the relay
  start_reader(1);
  run();
  fire_timeouts(); // idle timers and retries fire: still no second batch of partition 1
  fire_timeouts();
  EXPECT_EQ(seen->of(0).size(), 6u) << "the other partitions do not wait for partition 1";
  EXPECT_EQ(seen->of(2).size(), 6u);
  ASSERT_EQ(seen->arrived(1).size(), 1u) << "a second batch of partition 1 went out while "
                                            "the first was still at the sink";
  EXPECT_EQ(seen->max_in_flight_one_partition, 1);

  self->send(caf::actor_cast<caf::actor>(relay), release_atom::value);
  run();
  EXPECT_EQ(seen->max_in_flight_one_partition, 1);
  EXPECT_GE(seen->max_in_flight_all, 2) << "partitions do overlap at the sink";
  for (int32_t p = 0; p < 3; ++p) {
    auto ds = seen->of(p);
    ASSERT_EQ(ds.size(), 6u) << "partition " << p;
    EXPECT_EQ(ds[0].first, 0);
    for (size_t i = 1; i < ds.size(); ++i)
      EXPECT_EQ(ds[i].first, ds[i - 1].next) << "partition " << p << " batch " << i;
  }
  auto r = wh_reader();
  EXPECT_EQ(applied_order(r, 1), iota(6));
}

TEST_F(StreamReader, NewRecordsAfterCatchingUpAreDeliveredToo) {
  create(*log, user_stream, 1);
  produce_users(0, 0, 3);
  start_reader(1 << 20);
  run();
  ASSERT_EQ(seen->deliveries.size(), 1u);
  produce_users(0, 3, 5);
  // Caught up, the reader waits (a log watch or its idle timer), never spinning: run()
  // returns, and the new records arrive once the wait ends.
  run();
  fire_timeouts();
  auto r = wh_reader();
  EXPECT_EQ(applied_order(r, 0), iota(5));
}

TEST_F(StreamReader, ResumesFromTheSinksCommittedPositions) {
  create(*log, user_stream, 2);
  produce_users(0, 0, 8);
  produce_users(1, 0, 3);
  auto first = start_reader(1 << 20);
  run();
  self->send_exit(first, caf::exit_reason::user_shutdown);
  run();
  produce_users(0, 8, 13);
  produce_users(1, 3, 4);
  seen->deliveries.clear();
  seen->position_asks = 0;
  auto second = start_reader(1 << 20);
  run();
  EXPECT_EQ(seen->position_asks, 2) << "the reader asks the sink for every partition";
  auto p0 = seen->of(0);
  auto p1 = seen->of(1);
  ASSERT_EQ(p0.size(), 1u);
  ASSERT_EQ(p1.size(), 1u);
  EXPECT_EQ(p0[0].first, 8) << "partition 0 resumes at its committed position";
  EXPECT_EQ(p1[0].first, 3) << "partition 1 resumes at its committed position";
  auto r = wh_reader();
  EXPECT_EQ(applied_order(r, 0), iota(13));
  EXPECT_EQ(applied_order(r, 1), iota(4));
  EXPECT_EQ(stats_of(second).items, 6);
}

TEST_F(StreamReader, ARestartAfterACommitThatWasNeverAcknowledgedRepeatsNothing) {
  create(*log, user_stream, 1);
  produce_users(0, 0, 5);
  seen->held.insert(0);
  auto first = start_reader(1 << 20);
  run();
  ASSERT_EQ(seen->arrived(0).size(), 1u);
  // The reader dies while its batch is at the sink; the sink then commits it, and the
  // acknowledgement goes nowhere.
  self->send_exit(first, caf::exit_reason::kill);
  run();
  self->send(caf::actor_cast<caf::actor>(relay), release_atom::value);
  run();
  ASSERT_EQ(seen->of(0).size(), 1u);
  EXPECT_TRUE(seen->of(0)[0].committed);
  produce_users(0, 5, 7);
  auto second = start_reader(1 << 20);
  run();
  auto ds = seen->of(0);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[1].first, 5) << "the new reader starts after the committed batch";
  auto r = wh_reader();
  EXPECT_EQ(applied_order(r, 0), iota(7));
  EXPECT_EQ(stats_of(second).items, 2);
}

TEST_F(StreamReader, ABatchOfADeadReaderThatArrivesLateAddsNothingTwice) {
  create(*log, user_stream, 1);
  produce_users(0, 0, 5);
  seen->held.insert(0);
  auto first = start_reader(1 << 20);
  run();
  self->send_exit(first, caf::exit_reason::kill);
  run();
  // A new reader starts before the old batch reached the sink: it resumes at the last
  // committed position (0) and sends an overlapping batch. Both reach the sink, old first.
  produce_users(0, 5, 8);
  start_reader(1 << 20);
  run();
  ASSERT_EQ(seen->arrived(0).size(), 2u);
  self->send(caf::actor_cast<caf::actor>(relay), release_atom::value);
  run();
  auto ds = seen->of(0);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_TRUE(ds[0].committed);
  EXPECT_TRUE(ds[1].committed);
  auto r = wh_reader();
  EXPECT_EQ(applied_order(r, 0), iota(8)) << "the overlap [0, 5) is applied once";
}

TEST_F(StreamReader, SinkFailureMidBatchCommitsNothingAndTheBatchIsRedeliveredOnce) {
  create(*log, user_stream, 1);
  produce_users(0, 0, 10);
  auto r = wh_reader();
  // The sink's transaction fails at the 4th row, after three rows were inserted in it.
  r.exec("CREATE TRIGGER fail_at_3 BEFORE INSERT ON \"" + user_table +
         "\" WHEN NEW._offset = 3 BEGIN SELECT RAISE(ABORT, 'injected failure at offset 3'); "
         "END");
  auto reader = start_reader(1 << 20);
  run();
  ASSERT_EQ(seen->deliveries.size(), 1u);
  EXPECT_FALSE(seen->deliveries[0].committed);
  EXPECT_NE(seen->deliveries[0].error.find("injected failure"), std::string::npos)
      << seen->deliveries[0].error;
  EXPECT_EQ(r.count(user_table), 0) << "rows 0..2 of the failed batch must roll back";
  EXPECT_EQ(r.ints("SELECT COUNT(*) FROM stream_positions"), std::vector<int64_t>{0})
      << "no position may be stored for a failed batch";
  auto st = stats_of(reader);
  EXPECT_EQ(st.items, 0);
  EXPECT_GE(st.errors, 1);
  EXPECT_NE(st.last_error.find("sink"), std::string::npos) << st.last_error;
  EXPECT_NE(st.last_error.find("injected failure at offset 3"), std::string::npos)
      << st.last_error;
  // Nothing is retried until the retry delay has passed (simulated time).
  EXPECT_EQ(seen->deliveries.size(), 1u);

  r.exec("DROP TRIGGER fail_at_3");
  fire_timeouts();
  ASSERT_EQ(seen->deliveries.size(), 2u);
  EXPECT_TRUE(seen->deliveries[1].committed);
  EXPECT_EQ(seen->deliveries[1].first, 0) << "the same batch again, from its first record";
  EXPECT_EQ(seen->deliveries[1].next, 10);
  EXPECT_EQ(applied_order(r, 0), iota(10));
  EXPECT_EQ(stats_of(reader).items, 10);
  // Later retries (the idle timer) find nothing new: still every record exactly once.
  fire_timeouts();
  fire_timeouts();
  EXPECT_EQ(seen->deliveries.size(), 2u);
  EXPECT_EQ(r.count(user_table), 10);
}

TEST_F(StreamReader, RecordsDeletedByRetentionAreSkippedAndReported) {
  // Segments roll at 1 KiB (each produce call below is one segment); retention keeps only
  // the newest segment.
  create(*log, user_stream, 1, true, /*segment_bytes=*/1024, /*retention_bytes=*/0);
  for (int64_t from : {0, 10, 20})
    produce_users(0, from, from + 10);
  log->engine().enforce_retention();
  auto start = log->list_offset(user_stream, partition_id{0}, storage::offset_spec::earliest);
  ASSERT_TRUE(start) << start.error().to_string();
  ASSERT_EQ(start->get(), 20) << "the test needs records 0..19 gone from the log";
  auto reader = start_reader(1 << 20);
  run();
  auto st = stats_of(reader);
  EXPECT_EQ(st.last_error,
            "records 0..19 of partition 0 were deleted by retention before they were processed");
  EXPECT_EQ(st.errors, 1);
  auto r = wh_reader();
  std::vector<int64_t> kept;
  for (int64_t i = 20; i < 30; ++i)
    kept.push_back(i);
  EXPECT_EQ(applied_order(r, 0), kept);
  EXPECT_EQ(st.items, 10);
}

TEST_F(StreamReader, ARecreatedStreamStartsOverAtZeroWithExactlyOnceRowsPerIncarnation) {
  create(*log, user_stream, 2);
  produce_users(0, 0, 6); // the old stream: partition 0 at 6, partition 1 at 3
  produce_users(1, 0, 3);
  auto reader = start_reader(2);
  run();
  auto old_inc = log->describe_topic(user_stream)->config.incarnation;

  // Deleted: the reader's fetches fail, it waits on its idle timer.
  ASSERT_TRUE(log->delete_topic(user_stream).ok());
  run();
  fire_timeouts();
  run();
  // Recreated: partition 0 gets fewer records than the old position (its fetch at 6 is out
  // of range), partition 1 more (a fetch at 3 would succeed and skip 0..2 unnoticed).
  create(*log, user_stream, 2);
  auto new_inc = log->describe_topic(user_stream)->config.incarnation;
  ASSERT_NE(new_inc, old_inc);
  produce_users(0, 100, 102);
  produce_users(1, 200, 208);
  for (int i = 0; i < 5; ++i) {
    fire_timeouts();
    run();
  }
  auto r = wh_reader();
  auto rows = [&](int64_t inc, int32_t p) {
    return r.ints("SELECT _offset FROM \"" + user_table + "\" WHERE _incarnation = " +
                  std::to_string(inc) + " AND _partition = " + std::to_string(p) +
                  " ORDER BY rowid");
  };
  EXPECT_EQ(rows(old_inc, 0), iota(6)) << "the old incarnation's rows stay";
  EXPECT_EQ(rows(old_inc, 1), iota(3));
  EXPECT_EQ(rows(new_inc, 0), iota(2)) << "the new stream starts over at offset 0";
  EXPECT_EQ(rows(new_inc, 1), iota(8)) << "records 0..2 of the new stream are not skipped";
  EXPECT_EQ(r.ints("SELECT ind FROM \"" + user_table + "\" WHERE _incarnation = " +
                   std::to_string(new_inc) + " AND _partition = 1 ORDER BY _offset")
                .front(),
            200);
  EXPECT_EQ(r.ints("SELECT DISTINCT incarnation FROM stream_positions"),
            std::vector<int64_t>{new_inc});
  EXPECT_EQ(stats_of(reader).items, 19);

  // More records, and a restarted reader: each record once, nothing repeated.
  produce_users(0, 102, 104);
  run();
  fire_timeouts();
  self->send_exit(reader, caf::exit_reason::user_shutdown);
  run();
  seen->deliveries.clear();
  auto again = start_reader(1 << 20);
  produce_users(1, 208, 209);
  run();
  fire_timeouts();
  run();
  EXPECT_EQ(rows(new_inc, 0), iota(4));
  EXPECT_EQ(rows(new_inc, 1), iota(9));
  EXPECT_EQ(r.ints("SELECT count(*) FROM \"" + user_table + "\"").front(), 6 + 3 + 4 + 9);
  EXPECT_EQ(stats_of(again).items, 1) << "the second reader resumed at the new positions";
}

} // namespace
} // namespace pinpipe::actors
