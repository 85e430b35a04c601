// Consumer group offsets: stored as records of "__consumer_offsets", rebuilt on open,
// fsynced before commit_offsets returns; the record codec.
#include "storage/file_log.hpp"
#include "storage/group_codec.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using Groups = FileLogTest;

TEST(GroupCodec, KeyAndValueRoundTripEvenWithSlashesInTheGroup) {
  group_offset o{"pins", partition_id{12}, offset_t{345}, "meta\nwith newline"};
  auto rec = encode_group_offset("team/a/cleaner", o);
  EXPECT_EQ(*rec.key, "team/a/cleaner/pins/12");
  auto d = decode_group_offset(rec);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->first, "team/a/cleaner");
  EXPECT_EQ(d->second.topic, "pins");
  EXPECT_EQ(d->second.partition, partition_id{12});
  EXPECT_EQ(d->second.offset, offset_t{345});
  EXPECT_EQ(d->second.metadata, "meta\nwith newline");
}

TEST(GroupCodec, MalformedRecordsAreRejected) {
  EXPECT_FALSE(decode_group_offset(make_record("1\n")).has_value()); // no key
  EXPECT_FALSE(decode_group_offset(make_record("1\n", std::string("g/pins/x"))).has_value());
  EXPECT_FALSE(decode_group_offset(make_record("nan\n", std::string("g/pins/0"))).has_value());
  EXPECT_FALSE(decode_group_offset(make_record("12", std::string("g/pins/0"))).has_value());
  EXPECT_FALSE(decode_group_offset(make_record("1\n", std::string("pins/0"))).has_value());
}

TEST_F(Groups, CommittedOffsetsSurviveReopenAndTheLatestCommitWins) {
  topic_config tc;
  tc.partitions = 2;
  create("pins", tc);
  ASSERT_TRUE(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{1}, "a"},
                                         {"pins", partition_id{1}, offset_t{2}, ""}})
                  .ok());
  ASSERT_TRUE(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{10}, "b"}}).ok());
  ASSERT_TRUE(log_->commit_offsets("h", {{"pins", partition_id{0}, offset_t{99}, ""}}).ok());
  reopen();
  auto g = log_->committed_offsets("g");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].partition, partition_id{0});
  EXPECT_EQ(g[0].offset, offset_t{10});
  EXPECT_EQ(g[0].metadata, "b");
  EXPECT_EQ(g[1].offset, offset_t{2});
  ASSERT_EQ(log_->committed_offsets("h").size(), 1u);
  EXPECT_EQ(log_->committed_offsets("h")[0].offset, offset_t{99});
}

TEST_F(Groups, CommitsAreRecordsOfTheInternalTopicAndAreFsynced) {
  create("pins");
  const auto before = file_log_stats_of(*log_).value().fsyncs;
  ASSERT_TRUE(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{4}, "m"}}).ok());
  EXPECT_GT(file_log_stats_of(*log_).value().fsyncs, before);
  auto recs = fetch_all(*log_, "__consumer_offsets", 0);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(*recs[0].rec.key, "g/pins/0");
  EXPECT_EQ(recs[0].rec.value, "4\nm");
}

TEST_F(Groups, MalformedRecordInTheInternalTopicIsSkippedOnReplay) {
  create("pins");
  ASSERT_TRUE(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{4}, ""}}).ok());
  ASSERT_TRUE(produce_values(*log_, "__consumer_offsets", 0, {"junk"}).st.ok());
  ASSERT_TRUE(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{6}, ""}}).ok());
  reopen();
  ASSERT_EQ(log_->committed_offsets("g").size(), 1u);
  EXPECT_EQ(log_->committed_offsets("g")[0].offset, offset_t{6});
}

TEST_F(Groups, CommitForAnUnknownPartitionOrNegativeOffsetIsRejected) {
  create("pins");
  EXPECT_EQ(log_->commit_offsets("g", {{"pins", partition_id{3}, offset_t{1}, ""}}).code(),
            errc::unknown_partition);
  EXPECT_EQ(log_->commit_offsets("g", {{"pins", partition_id{0}, offset_t{-1}, ""}}).code(),
            errc::invalid_argument);
  EXPECT_EQ(log_->commit_offsets("", {{"pins", partition_id{0}, offset_t{1}, ""}}).code(),
            errc::invalid_argument);
  EXPECT_TRUE(log_->committed_offsets("g").empty());
}

TEST_F(Groups, TheInternalTopicCannotBeDeletedOrCreatedByUsers) {
  EXPECT_EQ(log_->delete_topic("__consumer_offsets").code(), errc::invalid_argument);
  EXPECT_EQ(log_->create_topic("__consumer_offsets", {}).code(), errc::invalid_argument);
  EXPECT_TRUE(log_->describe_topic("__consumer_offsets").ok());
}

} // namespace
} // namespace pinpipe::storage::test
