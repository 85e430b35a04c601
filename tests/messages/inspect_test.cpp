// The CAF `inspect` functions list the same fields as MSGPACK_DEFINE: a round trip of every
// sample message through CAF's binary serializer gives back an equal message.
#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <gtest/gtest.h>

#include "tests/messages/samples.hpp"

namespace pinpipe::messages {
namespace {

TEST(Inspect, EveryMessageRoundTripsThroughCafSerialization) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  int checked = 0;
  auto all = samples::all();
  std::apply(
      [&](auto&... msgs) {
        auto one = [&](auto msg) {
          std::vector<char> buf;
          caf::binary_serializer sink{sys, buf};
          auto err = sink(msg);
          ASSERT_FALSE(err) << to_string(message_traits<decltype(msg)>::type);
          decltype(msg) back;
          back.version = 0;
          caf::binary_deserializer source{sys, buf};
          err = source(back);
          ASSERT_FALSE(err);
          EXPECT_EQ(back, msg) << to_string(message_traits<decltype(msg)>::type);
          ++checked;
        };
        (one(msgs), ...);
      },
      all);
  EXPECT_EQ(checked, 19);
}

} // namespace
} // namespace pinpipe::messages
