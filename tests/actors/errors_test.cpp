// errc as a CAF error category (actors/errors.hpp): an error an actor returns reaches the
// requester with the same code and message, through a real actor system.
#include "actors/errors.hpp"

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/type_ids.hpp"

namespace pinpipe::actors {
namespace {

// Replies to every string with the status that string names, as a CAF error.
caf::behavior failing_actor(caf::event_based_actor*) {
  return {
      [](const std::string& which) -> caf::result<int32_t> {
        if (which == "ok") return 7;
        if (which == "io") return to_caf_error(status{errc::io_error, "disk /d is read-only"});
        return to_caf_error(status{errc::unknown_topic, "topic '" + which + "' does not exist"});
      },
  };
}

struct actor_errors : ::testing::Test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  void SetUp() override {
    register_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  status ask(const caf::actor& a, const std::string& which) {
    caf::scoped_actor self{*sys};
    status out{errc::internal, "no reply"};
    self->request(a, std::chrono::seconds(10), which)
        .receive([&](int32_t) { out = {}; }, [&](caf::error& err) { out = from_caf_error(err); });
    return out;
  }
};

TEST_F(actor_errors, CodeAndMessageSurviveTheActorBoundary) {
  auto a = sys->spawn(failing_actor);
  auto io = ask(a, "io");
  EXPECT_EQ(io.code(), errc::io_error);
  EXPECT_EQ(io.message(), "disk /d is read-only");
  auto topic = ask(a, "clicks");
  EXPECT_EQ(topic.code(), errc::unknown_topic);
  EXPECT_EQ(topic.message(), "topic 'clicks' does not exist");
  EXPECT_TRUE(ask(a, "ok").ok());
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_F(actor_errors, EveryCodeRoundTripsAndRendersByName) {
  for (int c = 1; c <= static_cast<int>(errc::invalid_argument); ++c) {
    auto code = static_cast<errc>(c);
    auto err = to_caf_error(status{code, "m" + std::to_string(c)});
    EXPECT_EQ(err.category(), errc_category);
    auto back = from_caf_error(err);
    EXPECT_EQ(back.code(), code);
    EXPECT_EQ(back.message(), "m" + std::to_string(c));
    EXPECT_EQ(sys->render(err),
              std::string("pinpipe: ") + to_string(code) + ": m" + std::to_string(c));
  }
  EXPECT_FALSE(to_caf_error(status{}));
  EXPECT_TRUE(from_caf_error(caf::error{}).ok());
}

TEST_F(actor_errors, CafOwnErrorsBecomeTimeoutOrInternalWithContext) {
  auto t = from_caf_error(caf::make_error(caf::sec::request_timeout), "asking the sink");
  EXPECT_EQ(t.code(), errc::timeout);
  EXPECT_EQ(t.message(), "asking the sink: caf: request_timeout");
  auto r = from_caf_error(caf::make_error(caf::sec::runtime_error, std::string("boom")));
  EXPECT_EQ(r.code(), errc::internal);
  EXPECT_NE(r.message().find("boom"), std::string::npos) << r.message();
}

} // namespace
} // namespace pinpipe::actors
