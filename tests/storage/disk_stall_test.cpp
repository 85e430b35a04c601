// A stalled disk must not stall reads (issue 11): while every fsync hangs (the I/O
// layer's test hook io::test_hooks::block_syncs, standing in for fsfreeze), fetches, topic
// listings and descriptions are answered, a segment roll and a topic create do not hold
// the locks readers need; only acks=all producers wait, and they complete on release.
#include "storage/file_io.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using namespace std::chrono_literals;
constexpr auto quick = 200ms;

/// Runs `fn` on its own thread; true when it finished within `limit`. The thread is
/// joined by the returned future's destructor (after release_syncs at the latest).
template <class Fn> bool finishes_within(std::future<void>& f, Fn fn, std::chrono::milliseconds limit) {
  f = std::async(std::launch::async, std::move(fn));
  return f.wait_for(limit) == std::future_status::ready;
}

bool wait_blocked(int n) {
  for (int i = 0; i < 500; ++i) {
    if (io::test_hooks::blocked_syncs() >= n) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class DiskStall : public FileLogTest {
protected:
  void SetUp() override {
    cfg_.preallocate = false; // the preallocator's own syncs would also wait: keep it simple
    FileLogTest::SetUp();
  }
  void TearDown() override {
    io::test_hooks::release_syncs();
    FileLogTest::TearDown();
  }
};

TEST_F(DiskStall, ReadsAndMetadataAreAnsweredWhileFsyncsHang) {
  topic_config tc;
  tc.segment_bytes = 1024; // every 700-byte record rolls a segment
  create("pins", tc);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(produce_values(*log_, "pins", 0, {std::string(700, 'a')}, acks::all).st.ok());

  std::future<void> f0, f1, f2, f3, f4, f5, f6;
  std::future<status> created_f;
  struct release_on_exit { // before the futures wait for their threads, on any exit
    ~release_on_exit() { io::test_hooks::release_syncs(); }
  } release_guard;

  io::test_hooks::block_syncs();
  std::promise<produce_result> acked;
  auto acked_f = acked.get_future();
  // This append rolls a segment too: the call returns at once, the ack waits.
  EXPECT_TRUE(finishes_within(
      f0,
      [&] {
        log_->produce(make_request("pins", 0, {std::string(700, 'b')}, acks::all),
                      [&acked](produce_result r) { acked.set_value(std::move(r)); });
      },
      quick))
      << "an acks=all append call waited for the disk (instead of only its ack)";
  ASSERT_TRUE(wait_blocked(1)) << "the acks=all append never reached its fsync";
  EXPECT_TRUE(finishes_within(
      f1,
      [&] {
        auto r = log_->fetch("pins", partition_id{0}, offset_t{0}, 1 << 20);
        EXPECT_TRUE(r.ok());
      },
      quick))
      << "a fetch waited for the stalled fsync";
  EXPECT_TRUE(finishes_within(f2, [&] { EXPECT_GE(log_->list_topics().size(), 2u); }, quick))
      << "listing topics waited for the stalled fsync";
  // acks=leader appends that roll segments: the roll must not fsync under the partition
  // lock, or every read of the partition would wait.
  EXPECT_TRUE(finishes_within(
      f3,
      [&] {
        for (int i = 0; i < 3; ++i) {
          auto r = produce_values(*log_, "pins", 0, {std::string(700, 'c')}, acks::leader);
          EXPECT_TRUE(r.st.ok());
        }
      },
      quick))
      << "an acks=1 append that rolled a segment waited for the stalled fsync";
  EXPECT_TRUE(finishes_within(
      f4, [&] { EXPECT_TRUE(log_->describe_topic("pins").ok()); }, quick))
      << "describing a topic waited for the stalled fsync";
  // A topic create needs fsyncs itself (it waits), but must not block listings meanwhile.
  created_f = std::async(std::launch::async, [&] { return log_->create_topic("other", {}); });
  EXPECT_TRUE(wait_blocked(2));
  EXPECT_TRUE(finishes_within(f5, [&] { log_->list_topics(); }, quick))
      << "listing topics waited for a topic create stuck in fsync";
  EXPECT_TRUE(finishes_within(
      f6,
      [&] {
        auto r = log_->fetch("pins", partition_id{0}, offset_t{5}, 1 << 20);
        EXPECT_TRUE(r.ok());
      },
      quick))
      << "a fetch waited for a topic create stuck in fsync";

  // Only the acks=all producer is still waiting.
  EXPECT_EQ(acked_f.wait_for(50ms), std::future_status::timeout);
  io::test_hooks::release_syncs();
  ASSERT_EQ(acked_f.wait_for(10s), std::future_status::ready);
  auto r = acked_f.get();
  EXPECT_TRUE(r.st.ok()) << r.st.to_string();
  EXPECT_EQ(r.base_offset, offset_t{5});
  EXPECT_TRUE(created_f.get().ok());
  EXPECT_EQ(info("pins").high_watermark, offset_t{9});
  // Every record, acks=1 ones included, is there after a reopen (the rolled segments were
  // fsynced by the flusher once the disk came back).
  reopen();
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 9u);
}

} // namespace
} // namespace pinpipe::storage::test
