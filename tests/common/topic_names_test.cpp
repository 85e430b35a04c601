// common/topic_names.hpp: the course's topic, stream and DAG names.
#include "common/topic_names.hpp"

#include <gtest/gtest.h>

namespace {

using namespace pinpipe::names;

TEST(TopicNames, BatchTopicsStreamsAndDagOfAUserId) {
  EXPECT_EQ(batch_topic("0a60b9a8a831", "pin"), "0a60b9a8a831.pin");
  EXPECT_EQ(stream_name("0a60b9a8a831", "geo"), "streaming-0a60b9a8a831-geo");
  EXPECT_EQ(stream_prefix("0a60b9a8a831"), "streaming-0a60b9a8a831-");
  EXPECT_EQ(dag_id("0a60b9a8a831"), "0a60b9a8a831_dag");
  EXPECT_EQ(stream_name("u", "user").rfind(stream_prefix("u"), 0), 0u);
}

TEST(TopicNames, KindSuffixOfStreamsAndBatchTopics) {
  EXPECT_EQ(kind_suffix("streaming-0a60b9a8a831-geo"), "geo");
  EXPECT_EQ(kind_suffix("0a60b9a8a831.user"), "user");
  EXPECT_TRUE(is_stream_name(stream_name("u", "pin")));
  EXPECT_FALSE(is_stream_name(batch_topic("u", "pin")));
  // A stream name splits at its last '-', never at a '.' inside it.
  EXPECT_EQ(kind_suffix("streaming-a.b-pin"), "pin");
  EXPECT_EQ(kind_suffix("streaming-pin"), "");  // no owner part
  EXPECT_EQ(kind_suffix("streaming--pin"), ""); // empty owner
  EXPECT_EQ(kind_suffix(".pin"), "");           // empty owner
  EXPECT_EQ(kind_suffix("pin"), "");            // no separator
  EXPECT_EQ(kind_suffix("u.x.geo"), "geo");
}

TEST(TopicNames, KindsInPipelineOrder) {
  ASSERT_EQ(kinds.size(), 3u);
  EXPECT_EQ(kinds[0], "pin");
  EXPECT_EQ(kinds[1], "geo");
  EXPECT_EQ(kinds[2], "user");
}

} // namespace
