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

TEST(TopicNames, KindsInPipelineOrder) {
  ASSERT_EQ(kinds.size(), 3u);
  EXPECT_EQ(kinds[0], "pin");
  EXPECT_EQ(kinds[1], "geo");
  EXPECT_EQ(kinds[2], "user");
}

} // namespace
