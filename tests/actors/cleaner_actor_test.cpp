// The cleaner: clean_batch (the pure function behind the actor) and the actor itself on
// the deterministic test coordinator.
#include "actors/cleaner_actor.hpp"

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/pipeline_util.hpp"

namespace pinpipe::actors {
namespace {

using namespace testing;

raw_batch batch_of(const std::string& topic, int32_t p, int64_t first,
                   const std::vector<std::string>& values) {
  raw_batch b;
  b.topic = topic;
  b.partition = p;
  int64_t off = first;
  for (const auto& v : values) {
    storage::stored_record r;
    r.offset = offset_t{off++};
    r.rec.value = v;
    b.records.push_back(std::move(r));
  }
  b.next_offset = off;
  return b;
}

TEST(CleanBatch, EveryRecordBecomesARowOrADeadLetterWithItsOffset) {
  auto b = batch_of(user_stream, 2, 40,
                    {user_json(1), "not json", user_json(3), R"({"ind": 4})", user_json(5)});
  auto out = clean_batch(b);
  EXPECT_EQ(out.topic, user_stream);
  EXPECT_EQ(out.partition, 2);
  EXPECT_EQ(out.next_offset, 45);
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0].first, 40);
  EXPECT_EQ(out.rows[1].first, 42);
  EXPECT_EQ(out.rows[2].first, 44);
  auto& u = std::get<clean::user_row>(out.rows[1].second);
  EXPECT_EQ(u.ind, 3);
  EXPECT_EQ(u.user_name, "Abigail Ali");
  ASSERT_EQ(out.dead.size(), 2u);
  EXPECT_EQ(out.dead[0].offset, 41);
  EXPECT_EQ(out.dead[0].raw, "not json");
  EXPECT_EQ(out.dead[0].path, "stream");
  EXPECT_EQ(out.dead[0].topic, user_stream);
  EXPECT_EQ(out.dead[0].partition, 2);
  EXPECT_FALSE(out.dead[0].reason.empty());
  EXPECT_EQ(out.dead[1].offset, 43);
  EXPECT_NE(out.dead[1].reason.find("user record"), std::string::npos) << out.dead[1].reason;
}

TEST(CleanBatch, RecordsOfAnUnknownStreamAreAllDeadLettersNamingTheStream) {
  auto b = batch_of("streaming-" + uid + "-boards", 0, 0, {user_json(1), user_json(2)});
  auto out = clean_batch(b);
  EXPECT_TRUE(out.rows.empty());
  ASSERT_EQ(out.dead.size(), 2u);
  EXPECT_NE(out.dead[0].reason.find("streaming-" + uid + "-boards"), std::string::npos)
      << out.dead[0].reason;
  EXPECT_EQ(out.next_offset, 2);
}

TEST(CleanBatch, AnEmptyBatchCarriesItsPosition) {
  raw_batch b;
  b.topic = user_stream;
  b.partition = 1;
  b.next_offset = 7;
  auto out = clean_batch(b);
  EXPECT_TRUE(out.rows.empty());
  EXPECT_TRUE(out.dead.empty());
  EXPECT_EQ(out.next_offset, 7);
}

class CleanerActor : public actor_test {};

TEST_F(CleanerActor, RepliesWhatCleanBatchReturns) {
  auto cleaner = track(spawn_cleaner(sys));
  auto b = batch_of(user_stream, 0, 10, {user_json(1), "{", user_json(2)});
  auto r = ask<warehouse::stream_batch>(cleaner, b);
  ASSERT_TRUE(r.ok()) << r.error;
  auto expected = clean_batch(b);
  EXPECT_EQ(r.value.next_offset, expected.next_offset);
  ASSERT_EQ(r.value.rows.size(), expected.rows.size());
  for (size_t i = 0; i < expected.rows.size(); ++i) {
    EXPECT_EQ(r.value.rows[i].first, expected.rows[i].first);
    EXPECT_TRUE(r.value.rows[i].second == expected.rows[i].second);
  }
  ASSERT_EQ(r.value.dead.size(), 1u);
  EXPECT_EQ(r.value.dead[0].offset, 11);
}

} // namespace
} // namespace pinpipe::actors
