#include "common/status.hpp"

#include <gtest/gtest.h>

namespace {

using pinpipe::errc;

TEST(Status, DefaultIsOkAndErrorCarriesCodeAndMessage) {
  pinpipe::status ok;
  EXPECT_TRUE(ok.ok());
  pinpipe::status bad{errc::unknown_topic, "topic 'x' does not exist"};
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), errc::unknown_topic);
  EXPECT_EQ(bad.to_string(), "unknown_topic: topic 'x' does not exist");
}

TEST(Result, HoldsEitherValueOrError) {
  pinpipe::result<int> v{42};
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  pinpipe::result<int> e{errc::timeout, "no answer in 5 s"};
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), errc::timeout);
}

} // namespace
