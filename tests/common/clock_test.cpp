// common/clock.hpp: now_ms() is Unix-epoch milliseconds and moves with the wall clock.
#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <thread>

namespace {

TEST(Clock, NowMsIsUnixEpochMilliseconds) {
  // std::time() may read a coarse clock a few milliseconds behind now_ms(): allow one
  // second on either side (still far tighter than seconds-vs-milliseconds).
  const int64_t before = (static_cast<int64_t>(std::time(nullptr)) - 1) * 1000;
  const int64_t now = pinpipe::now_ms();
  const int64_t after = (static_cast<int64_t>(std::time(nullptr)) + 2) * 1000;
  EXPECT_GE(now, before);
  EXPECT_LT(now, after);
  EXPECT_GT(now, int64_t{1600000000000}) << "not milliseconds since 1970";
}

TEST(Clock, NowMsAdvancesWithTime) {
  const int64_t a = pinpipe::now_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int64_t b = pinpipe::now_ms();
  EXPECT_GE(b - a, 19);
  EXPECT_LT(b - a, 5000);
}

} // namespace
