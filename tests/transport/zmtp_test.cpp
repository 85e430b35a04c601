// The inline ZeroMQ client (client_options::inline_io, transport/zmtp.*) against real
// libzmq ROUTER sockets: our transport server and bare sockets, all on 127.0.0.1.
#include "transport/client.hpp"
#include "transport/curve.hpp"
#include "transport/server.hpp"
#include "transport/zmtp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "messages/codec.hpp"
#include "tests/transport/echo_util.hpp"

namespace pinpipe::transport {
namespace {

using namespace pinpipe::transport::test; // echo_of, request_with, reply_text, local_options

result<std::unique_ptr<client>> inline_client(const std::string& endpoint) {
  client_options o;
  o.endpoint = endpoint;
  o.inline_io = true;
  return client::connect(o);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(InlineClient, CallGetsItsReplyFromTheNodesServer) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = inline_client(s.endpoint());
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  for (uint64_t id = 1; id <= 50; ++id) {
    auto rep = (*c)->call(request_with("hello " + std::to_string(id), id), 5000);
    ASSERT_TRUE(rep.ok()) << rep.error().to_string();
    EXPECT_EQ(rep->correlation_id, id);
    const std::string want = "hello " + std::to_string(id);
    EXPECT_EQ(reply_text(*rep), std::string(want.rbegin(), want.rend()));
  }
}

// Pipelined: many requests queued before any reply is read, then every reply once, in
// order, with several clients at once; the queue is written in bursts (send_batch_bytes).
TEST(InlineClient, PipelinedRequestsOfSeveralClientsEachGetTheirOwnReplies) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  constexpr int clients = 4, per_client = 2000;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      auto c = inline_client(s.endpoint());
      ASSERT_TRUE(c.ok()) << c.error().to_string();
      for (int i = 1; i <= per_client; ++i) {
        const std::string text = "c" + std::to_string(t) + "-" + std::to_string(i) +
                                 std::string(static_cast<size_t>(i % 300), 'x');
        ASSERT_TRUE((*c)->send(request_with(text, static_cast<uint64_t>(i))).ok());
      }
      for (int i = 1; i <= per_client; ++i) {
        auto rep = (*c)->receive(5000);
        ASSERT_TRUE(rep.ok()) << rep.error().to_string();
        const std::string text = "c" + std::to_string(t) + "-" + std::to_string(i) +
                                 std::string(static_cast<size_t>(i % 300), 'x');
        if (rep->correlation_id == static_cast<uint64_t>(i) &&
            reply_text(*rep) == std::string(text.rbegin(), text.rend()))
          ++good;
      }
      // Nothing more is queued: a zero wait finds nothing.
      auto none = (*c)->receive(0);
      ASSERT_FALSE(none.ok());
      EXPECT_EQ(none.error().code(), errc::timeout);
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(good.load(), clients * per_client);
}

// Frames of every size class both ways: short (<= 255), long, and several MiB.
TEST(InlineClient, SmallLongAndMultiMegabyteMessagesArriveWhole) {
  server s(local_options(), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = inline_client(s.endpoint());
  ASSERT_TRUE(c.ok());
  uint64_t id = 0;
  for (size_t size : {0u, 1u, 200u, 255u, 256u, 70000u, 5u << 20}) {
    std::string text(size, '\0');
    for (size_t i = 0; i < size; ++i)
      text[i] = static_cast<char>('a' + (i * 7 + size) % 26);
    auto rep = (*c)->call(request_with(text, ++id), 10000);
    ASSERT_TRUE(rep.ok()) << size << ": " << rep.error().to_string();
    EXPECT_EQ(reply_text(*rep), std::string(text.rbegin(), text.rend())) << size;
  }
}

// A ROUTER that sends multi-part replies and heartbeats: the DEALER side keeps the last
// part (what a libzmq DEALER hands over as the body after the ROUTER's identity), and
// answers PING, so the ROUTER's heartbeat timeout never closes the connection.
TEST(InlineClient, AnswersHeartbeatsAndTakesTheLastPartOfAMultiPartMessage) {
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::heartbeat_ivl, 20);
  router.set(zmq::sockopt::heartbeat_timeout, 200);
  router.bind("tcp://127.0.0.1:*");
  const std::string ep = router.get(zmq::sockopt::last_endpoint);
  auto c = inline_client(ep);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE((*c)->send_raw("first").ok());
  ASSERT_TRUE((*c)->flush().ok());
  std::vector<zmq::message_t> in;
  ASSERT_TRUE(zmq::recv_multipart(router, std::back_inserter(in)));
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[1].to_string(), "first");
  const std::string identity = in[0].to_string();

  // Idle for ten heartbeat timeouts while waiting: PINGs come and are answered.
  std::string got;
  auto st = (*c)->receive_bytes(2000, [&](std::string_view b) { got = b; });
  EXPECT_EQ(st.code(), errc::timeout);
  // Still connected: a reply in three parts arrives as its last part.
  router.send(zmq::buffer(identity), zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("ignored"), zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("the body"), zmq::send_flags::none);
  st = (*c)->receive_bytes(5000, [&](std::string_view b) { got = b; });
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(got, "the body");
  ASSERT_TRUE((*c)->send_raw("second").ok());
  ASSERT_TRUE((*c)->receive_bytes(0, [](std::string_view) {}).code() == errc::timeout);
  in.clear();
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(5000));
  ASSERT_TRUE(zmq::recv_multipart(router, std::back_inserter(in), zmq::recv_flags::dontwait));
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].to_string(), identity); // the same connection
  EXPECT_EQ(in[1].to_string(), "second");
}

TEST(InlineClient, NoListenerIsAClearErrorAtConnect) {
  const std::string ep = "tcp://127.0.0.1:" + std::to_string(free_port());
  auto c = inline_client(ep);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), errc::unavailable);
  EXPECT_NE(c.error().message().find("cannot connect to " + ep), std::string::npos)
      << c.error().message();
  EXPECT_NE(c.error().message().find("is the node running?"), std::string::npos);
}

TEST(InlineClient, BadEndpointsAndCurveAreRefusedByName) {
  for (const std::string ep : {"127.0.0.1:7070", "tcp://127.0.0.1", "tcp://:7070",
                               "tcp://127.0.0.1:70x0", "ipc:///tmp/x"}) {
    auto c = inline_client(ep);
    ASSERT_FALSE(c.ok()) << ep;
    EXPECT_EQ(c.error().code(), errc::invalid_argument) << ep;
    EXPECT_NE(c.error().message().find(ep), std::string::npos) << c.error().message();
  }
  client_options o;
  o.endpoint = "tcp://127.0.0.1:7070";
  o.inline_io = true;
  o.server_public_key = std::string(40, 'A');
  auto c = client::connect(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), errc::invalid_argument);
  EXPECT_NE(c.error().message().find("CURVE"), std::string::npos);
}

TEST(InlineClient, ACurveNodeIsNamedAsTheReasonTheHandshakeFails) {
  auto keys = make_curve_keypair();
  ASSERT_TRUE(keys.ok());
  auto o = local_options();
  o.curve_secret_key = keys->secret_key;
  o.curve_public_key = keys->public_key;
  server s(o, [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(s.start().ok());
  auto c = inline_client(s.endpoint());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("wants the CURVE security mechanism"), std::string::npos)
      << c.error().message();
}

TEST(InlineClient, APeerThatIsNotZeroMqIsRefused) {
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  std::thread http([lfd] {
    int fd = ::accept(lfd, nullptr, nullptr);
    const std::string reply(64, 'H'); // 64 bytes, none of them a ZeroMQ signature
    (void)::write(fd, reply.data(), reply.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::close(fd);
  });
  auto c = inline_client("tcp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  http.join();
  ::close(lfd);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("is not a ZeroMQ (ZMTP 3) peer"), std::string::npos)
      << c.error().message();
}

// The node goes away: the waiting call fails with unavailable (not a hang); when a node
// listens there again, the next send connects anew and is answered.
TEST(InlineClient, ABrokenConnectionFailsTheCallAndTheNextSendReconnects) {
  const std::string ep = "tcp://127.0.0.1:" + std::to_string(free_port());
  auto first = std::make_unique<server>(
      local_options(ep), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(first->start().ok());
  auto c = inline_client(ep);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE((*c)->call(request_with("one", 1), 5000).ok());
  first.reset(); // stops the server: the connection is closed
  auto rep = (*c)->receive(5000);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().code(), errc::unavailable) << rep.error().to_string();

  server second(local_options(ep), [](m::envelope req, responder r) { r.reply(echo_of(req)); });
  ASSERT_TRUE(second.start().ok());
  auto again = (*c)->call(request_with("two", 2), 5000);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(reply_text(*again), "owt");
}

TEST(ZmtpEndpoint, HostAndPortAreSplitAndBracketsRemoved) {
  std::string host, port;
  ASSERT_TRUE(zmtp::parse_tcp_endpoint("tcp://localhost:7070", host, port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, "7070");
  ASSERT_TRUE(zmtp::parse_tcp_endpoint("tcp://[::1]:9", host, port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, "9");
}

} // namespace
} // namespace pinpipe::transport
