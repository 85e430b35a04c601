#include "transport/client.hpp"
#include "transport/curve.hpp"
#include "transport/server.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/transport/echo_util.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test; // echo_of, request_with, reply_text, local_options

std::unique_ptr<client> connect_to(const server& s, const std::string& key = {}) {
  client_options o;
  o.endpoint = s.endpoint();
  o.server_public_key = key;
  auto c = client::connect(o);
  EXPECT_TRUE(c.ok());
  return std::move(*c);
}

TEST(Transport, RequestGetsItsResponseWithTheSameCorrelationId) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  EXPECT_NE(s.endpoint().find("tcp://127.0.0.1:"), std::string::npos);
  auto c = connect_to(s);
  auto req = request_with("hello");
  req.correlation_id = 4242;
  auto rep = c->call(req, 5000);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(rep->correlation_id, 4242u);
  EXPECT_EQ(reply_text(*rep), "olleh");
}

TEST(Transport, ManyConcurrentPipeliningClientsEachGetTheirOwnReplies) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  constexpr int clients = 8, per_client = 300;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      auto c = connect_to(s);
      for (int i = 1; i <= per_client; ++i) { // all sent before any reply is read
        auto req = request_with("c" + std::to_string(t) + "-" + std::to_string(i));
        req.correlation_id = static_cast<uint64_t>(i);
        ASSERT_TRUE(c->send(req).ok());
      }
      for (int i = 0; i < per_client; ++i) {
        auto rep = c->receive(5000);
        ASSERT_TRUE(rep.ok()) << rep.error().to_string();
        std::string expect = "c" + std::to_string(t) + "-" + std::to_string(rep->correlation_id);
        if (reply_text(*rep) == std::string(expect.rbegin(), expect.rend())) ++good;
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(good.load(), clients * per_client);
}

TEST(Transport, RepliesProducedLaterOnOtherThreadsAreDelivered) {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<m::envelope, responder>> work;
  bool done = false;
  server s(local_options(), [&](m::envelope req, responder r) {
    std::lock_guard<std::mutex> lock(mu);
    work.emplace_back(std::move(req), std::move(r));
    cv.notify_one();
  });
  ASSERT_TRUE(s.start().ok());
  // Two worker threads answer, in reverse order of arrival within each grab.
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      for (;;) {
        std::deque<std::pair<m::envelope, responder>> grab;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return done || !work.empty(); });
          if (done && work.empty()) return;
          grab.swap(work);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        for (auto it = grab.rbegin(); it != grab.rend(); ++it)
          it->second.reply(echo_of(it->first));
      }
    });
  auto c = connect_to(s);
  constexpr int n = 500;
  for (int i = 1; i <= n; ++i) {
    auto req = request_with(std::to_string(i));
    req.correlation_id = static_cast<uint64_t>(i);
    ASSERT_TRUE(c->send(req).ok());
  }
  std::vector<bool> seen(n + 1, false);
  for (int i = 0; i < n; ++i) {
    auto rep = c->receive(5000);
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    auto id = rep->correlation_id;
    ASSERT_GE(id, 1u);
    ASSERT_LE(id, static_cast<uint64_t>(n));
    std::string expect = std::to_string(id);
    EXPECT_EQ(reply_text(*rep), std::string(expect.rbegin(), expect.rend()));
    EXPECT_FALSE(seen[id]) << "duplicate reply " << id;
    seen[id] = true;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  for (auto& w : workers)
    w.join();
}

// The drain handler runs on the transport thread after each burst: a handler that only
// collects requests and answers them all from on_drained (as the node's produce merging
// does) must answer every request, and the bursts must add up to what was sent. Replies
// pushed from the transport thread itself need no wake-up to be sent.
TEST(Transport, DrainHandlerAnswersEveryRequestOfEachBurst) {
  std::vector<std::pair<m::envelope, responder>> pending; // transport thread only
  std::vector<size_t> bursts;
  std::thread::id handler_thread, drain_thread;
  handlers h;
  h.on_request = [&](m::envelope req, responder r) {
    handler_thread = std::this_thread::get_id();
    pending.emplace_back(std::move(req), std::move(r));
  };
  h.on_drained = [&] {
    drain_thread = std::this_thread::get_id();
    if (pending.empty()) return;
    bursts.push_back(pending.size());
    for (auto& [req, r] : pending)
      r.reply(echo_of(req));
    pending.clear();
  };
  auto opts = local_options();
  opts.poll_timeout_ms = 5000; // a missing reply would not be rescued by the poll timeout
  server s(opts, h);
  ASSERT_TRUE(s.start().ok());
  auto c = connect_to(s);
  constexpr int n = 400;
  for (int i = 1; i <= n; ++i) {
    auto req = request_with("b" + std::to_string(i));
    req.correlation_id = static_cast<uint64_t>(i);
    ASSERT_TRUE(c->send(req).ok());
  }
  std::vector<bool> seen(n + 1, false);
  for (int i = 0; i < n; ++i) {
    auto rep = c->receive(2000);
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    ASSERT_LE(rep->correlation_id, static_cast<uint64_t>(n));
    std::string expect = "b" + std::to_string(rep->correlation_id);
    EXPECT_EQ(reply_text(*rep), std::string(expect.rbegin(), expect.rend()));
    EXPECT_FALSE(seen[rep->correlation_id]);
    seen[rep->correlation_id] = true;
  }
  s.stop();
  size_t total = 0;
  for (auto b : bursts)
    total += b;
  EXPECT_EQ(total, static_cast<size_t>(n));
  EXPECT_EQ(handler_thread, drain_thread);
}

TEST(Transport, GarbageBytesGetAMalformedErrorAndTheServerKeepsServing) {
  std::atomic<int> handled{0};
  server s(local_options(), [&](m::envelope req, responder r) {
    ++handled;
    r.reply(echo_of(req));
  });
  ASSERT_TRUE(s.start().ok());
  auto c = connect_to(s);
  ASSERT_TRUE(c->send_raw(std::string("\xc1\x00garbage", 9)).ok());
  auto rep = c->receive(5000);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->type, m::msg_type::error_response);
  auto err = m::decode_payload<m::error_response>(rep->payload.data);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->error, errc::malformed_message);
  EXPECT_EQ(handled.load(), 0);
  auto ok = c->call(request_with("x"), 5000);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(reply_text(*ok), "x");
}

TEST(Transport, FutureVersionEnvelopeGetsUnsupportedVersionWithItsCorrelationId) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = connect_to(s);
  auto env = request_with("future");
  env.version = m::protocol_version + 1;
  env.correlation_id = 777;
  auto rep = c->call(env, 5000);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->correlation_id, 777u);
  auto err = m::open_envelope<m::list_topics_response>(*rep);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code(), errc::unsupported_version);
}

TEST(Transport, CurveServerServesOnlyClientsThatKnowItsPublicKey) {
  auto keys = make_curve_keypair();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->public_key.size(), 40u);
  auto other = make_curve_keypair();
  ASSERT_TRUE(other.ok());
  auto opts = local_options();
  opts.curve_secret_key = keys->secret_key;
  opts.curve_public_key = keys->public_key;
  std::atomic<int> handled{0};
  server s(opts, [&](m::envelope req, responder r) {
    ++handled;
    r.reply(echo_of(req));
  });
  ASSERT_TRUE(s.start().ok());

  // Both fail (at once, with a reason: link_test.cpp), and neither reaches the handler.
  auto plain = connect_to(s);
  auto no_key = plain->call(request_with("plain"), 700);
  ASSERT_FALSE(no_key.ok());

  auto wrong = connect_to(s, other->public_key);
  auto wrong_key = wrong->call(request_with("wrong"), 700);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(handled.load(), 0);

  auto good = connect_to(s, keys->public_key);
  auto rep = good->call(request_with("secret"), 5000);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(reply_text(*rep), "terces");
  EXPECT_EQ(handled.load(), 1);
}

TEST(Transport, ReplyAfterStopIsDroppedSafely) {
  std::vector<responder> kept;
  std::mutex mu;
  server s(local_options(), [&](m::envelope, responder r) {
    std::lock_guard<std::mutex> lock(mu);
    kept.push_back(r);
  });
  ASSERT_TRUE(s.start().ok());
  auto c = connect_to(s);
  ASSERT_TRUE(c->send(request_with("late")).ok());
  for (int i = 0; i < 200 && s.requests_received() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s.stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(kept.size(), 1u);
  kept[0].reply(echo_of(request_with("late"))); // must not crash or block
  EXPECT_FALSE(c->receive(100).ok());
}

TEST(Transport, BindingABusyPortFailsWithAClearError) {
  server a(local_options(), [](m::envelope, responder) {});
  ASSERT_TRUE(a.start().ok());
  auto o = local_options();
  o.endpoint = a.endpoint();
  server b(o, [](m::envelope, responder) {});
  auto st = b.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), errc::unavailable);
  EXPECT_NE(st.message().find(a.endpoint()), std::string::npos);
}

} // namespace
} // namespace pinpipe::transport
