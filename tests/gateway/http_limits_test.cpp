// The HTTP server's limits against hostile clients, over real sockets on 127.0.0.1: the
// whole request head is capped (431) however it arrives, a head must be complete in time
// (408; slowloris), framing a proxy could read differently is refused (400: request
// smuggling), and request bodies buffered over all connections are capped (503 +
// Retry-After) with the budget given back afterwards. The process-level versions (a real
// node: 1,000 slowloris connections, RSS, EMFILE) are in http_process_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http_server.hpp"
#include "tests/gateway/gateway_fixture.hpp"
#include "tests/gateway/http_raw_client.hpp"

namespace pinpipe::gateway::test {
namespace {

using clock_type = std::chrono::steady_clock;

// A bare server whose handler answers the size of the body it got, and whose error
// handler puts the server's reason in the envelope.
class HttpLimits : public ::testing::Test {
protected:
  void start(http_server_options opt) {
    opt.host = "127.0.0.1";
    opt.port = 0;
    opt.threads = 4;
    srv_ = std::make_unique<http_server>(
        opt,
        [this](const http_request& req) {
          ++served_;
          return reply{200, R"({"bytes":)" + std::to_string(req.body.size()) + "}"};
        },
        [](const http_request& req, int status) {
          nlohmann::json j{{"error_code", status}, {"message", req.error}};
          return reply{status, j.dump()};
        });
    auto st = srv_->start();
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  void TearDown() override {
    if (srv_) srv_->stop();
  }
  int port() const { return srv_->port(); }
  static std::string message(const raw_response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() ? j.value("message", "") : "";
  }
  static std::string post(size_t body_bytes, const std::string& extra = "") {
    return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body_bytes) +
           "\r\n" + extra + "\r\n" + std::string(body_bytes, 'b');
  }

  std::unique_ptr<http_server> srv_;
  std::atomic<int> served_{0};
};

// --- 431: the whole head is capped, not only the part before "\r\n\r\n" arrives ---------

TEST_F(HttpLimits, HeadOverTheLimitIs431EvenWhenItArrivesComplete) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  // About 128 KiB of headers and the end of the head in a single write: before the fix the
  // size was checked only while "\r\n\r\n" had not arrived, so this got through.
  std::string head = "GET /echo HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 128; ++i)
    head += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
  ASSERT_TRUE(c.send(head + "\r\n"));
  auto r = c.read();
  ASSERT_EQ(r.status, 431) << r.head;
  EXPECT_NE(message(r).find("max_header_bytes"), std::string::npos) << r.body;
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(served_.load(), 0);
  EXPECT_EQ(srv_->stats().headers_too_large, 1);
}

TEST_F(HttpLimits, HeadJustUnderTheLimitIsServed) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  std::string head = "GET /echo HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 60; ++i)
    head += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\r\n";
  ASSERT_LT(head.size() + 2, 64u * 1024);
  ASSERT_TRUE(c.send(head + "\r\n"));
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(HttpLimits, ConfiguredHeadLimitAppliesToHeadsSentInPieces) {
  http_server_options opt;
  opt.max_header_bytes = 4096;
  start(opt);
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\n"));
  for (int i = 0; i < 6; ++i) { // 6 x 1 KiB, never ending the head
    ASSERT_TRUE(c.send("X-" + std::to_string(i) + ": " + std::string(1024, 'a') + "\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto r = c.read();
  ASSERT_EQ(r.status, 431);
  EXPECT_NE(message(r).find("4096"), std::string::npos) << r.body;
}

class GatewayLimits : public gateway_fixture {};

TEST_F(GatewayLimits, GatewayAnswers431WithItsEnvelopeAndNamesTheLimit) {
  // Through the gateway: the REST Proxy envelope carries the server's reason.
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.send("GET /topics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'x') + "\r\n\r\n"));
  auto r = c.read();
  ASSERT_EQ(r.status, 431);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["error_code"].get<int>(), 431);
  EXPECT_NE(j["message"].get<std::string>().find("max_header_bytes"), std::string::npos);
}

TEST_F(GatewayLimits, GatewayAnswersConflictingLengthsWith400NamingThem) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.send("POST /topics/t1 HTTP/1.1\r\nHost: x\r\nContent-Type: " + std::string(k_json_v2) +
             "\r\nContent-Length: 30\r\nContent-Length: 31\r\n\r\n"
             R"({"records":[{"value":1}]}     )"));
  auto r = c.read();
  ASSERT_EQ(r.status, 400);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("conflicting Content-Length"),
            std::string::npos)
      << r.body;
  EXPECT_TRUE(stored("t1").empty());
}

// --- 400: ambiguous framing (request smuggling behind a proxy) ---------------------------

TEST_F(HttpLimits, ConflictingContentLengthsAre400AndNothingIsServed) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Content-Length: 12\r\n\r\nhelloGET /x HTTP/1.1\r\n\r\n"));
  auto r = c.read();
  ASSERT_EQ(r.status, 400);
  EXPECT_NE(message(r).find("conflicting Content-Length"), std::string::npos) << r.body;
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpLimits, ContentLengthListWithDifferentValuesIs400) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello"));
  EXPECT_EQ(c.read().status, 400);
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpLimits, ContentLengthWithTransferEncodingIs400) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  auto r = c.read();
  ASSERT_EQ(r.status, 400);
  EXPECT_NE(message(r).find("Transfer-Encoding"), std::string::npos) << r.body;
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpLimits, ObfuscatedFramingHeadersAre400) {
  start({});
  for (const char* bad : {"Content-Length : 5\r\n",                  // space before the colon
                          "Transfer-Encoding: chunked, chunked\r\n", // not a single chunked
                          "Transfer-Encoding: xchunked\r\n",
                          "X-A: 1\r\n Content-Length: 5\r\n"}) { // obsolete line folding
    raw_conn c(port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.send(std::string("POST /echo HTTP/1.1\r\nHost: x\r\n") + bad + "\r\nhello"));
    EXPECT_EQ(c.read().status, 400) << bad;
  }
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpLimits, RepeatedIdenticalContentLengthIsAccepted) {
  start({});
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     "Content-Length: 5\r\n\r\nhello"));
  auto r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"bytes":5})");
}

// --- 408: the head deadline --------------------------------------------------------------

TEST_F(HttpLimits, HeadTrickledPastTheDeadlineGets408AndIsClosed) {
  http_server_options opt;
  opt.header_timeout_ms = 400;
  start(opt);
  raw_conn c(port());
  ASSERT_TRUE(c.connected());
  const auto t0 = clock_type::now();
  ASSERT_TRUE(c.send("GET /echo HTTP/1.1\r\n"));
  // One header byte every 50 ms: active all the time, never complete.
  raw_response r;
  for (int i = 0; i < 60 && r.status == 0; ++i) {
    if (!c.send("X")) break;
    c.set_timeout_ms(50);
    r = c.read();
  }
  const auto took = clock_type::now() - t0;
  ASSERT_EQ(r.status, 408) << "the connection was held " << (took / std::chrono::milliseconds(1))
                           << " ms";
  EXPECT_NE(message(r).find("header_timeout_ms"), std::string::npos) << r.body;
  EXPECT_GE(took, std::chrono::milliseconds(400));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  c.set_timeout_ms(2000);
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(srv_->stats().header_timeouts, 1);
}

TEST_F(HttpLimits, SlowHeadsAreDroppedWhileAPromptClientIsServed) {
  http_server_options opt;
  opt.header_timeout_ms = 500;
  opt.threads = 2;
  start(opt);
  std::vector<std::unique_ptr<raw_conn>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<raw_conn>(port()));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->send("GET /echo HTTP/1.1\r\n"));
  }
  const auto t0 = clock_type::now();
  // A prompt client is answered at once while the slow ones trickle.
  raw_conn prompt(port());
  ASSERT_TRUE(prompt.connected());
  for (int round = 0; round < 8; ++round) {
    for (auto& s : slow)
      s->send("X");
    ASSERT_TRUE(prompt.send(post(10)));
    const auto s0 = clock_type::now();
    ASSERT_EQ(prompt.read().status, 200);
    EXPECT_LT(clock_type::now() - s0, std::chrono::milliseconds(1000));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // By now (>= 800 ms) every slow connection has been closed by the server.
  int closed = 0;
  for (auto& s : slow) {
    s->set_timeout_ms(2000);
    if (s->closed_by_server()) ++closed;
  }
  EXPECT_EQ(closed, 100);
  EXPECT_GE(clock_type::now() - t0, std::chrono::milliseconds(500));
  EXPECT_EQ(srv_->stats().header_timeouts, 100);
}

// --- 503: the body budget over all connections -------------------------------------------

TEST_F(HttpLimits, BodyOverTheSharedBudgetIs503WithRetryAfterAndTheConnectionStaysUsable) {
  http_server_options opt;
  opt.max_request_bytes = 1 << 20;
  opt.max_buffered_body_bytes = 1 << 20;
  start(opt);
  // A holds 800 KB of the budget: its head is in, its body is not complete.
  raw_conn a(port());
  ASSERT_TRUE(a.connected());
  const std::string big = post(800 * 1000);
  ASSERT_TRUE(a.send(big.substr(0, big.size() - 1000)));
  for (int i = 0; i < 100 && srv_->stats().buffered_body_bytes == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(srv_->stats().buffered_body_bytes, 800 * 1000);
  // B's 500 KB does not fit: 503 before its body is read, with Retry-After.
  raw_conn b(port());
  ASSERT_TRUE(b.connected());
  ASSERT_TRUE(b.send(post(500 * 1000)));
  auto r = b.read();
  ASSERT_EQ(r.status, 503);
  EXPECT_NE(raw_conn::lower(r.head).find("retry-after: 1"), std::string::npos) << r.head;
  EXPECT_NE(message(r).find("max_buffered_body_bytes"), std::string::npos) << r.body;
  // The refused body was skipped: B's connection serves the next (small) request.
  ASSERT_TRUE(b.send(post(1000)));
  auto small = b.read();
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, R"({"bytes":1000})");
  // A completes; the budget is given back and B's retry fits.
  ASSERT_TRUE(a.send(big.substr(big.size() - 1000)));
  EXPECT_EQ(a.read().body, R"({"bytes":800000})");
  for (int k = 0; k < 100 && srv_->stats().buffered_body_bytes != 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(b.send(post(500 * 1000)));
  EXPECT_EQ(b.read().body, R"({"bytes":500000})");
  // Given back right after the reply is written.
  for (int k = 0; k < 100 && srv_->stats().buffered_body_bytes != 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(srv_->stats().buffered_body_bytes, 0);
  EXPECT_EQ(srv_->stats().body_budget_rejections, 1);
}

TEST_F(HttpLimits, ChunkedBodiesCountAgainstTheBudgetToo) {
  http_server_options opt;
  opt.max_request_bytes = 1 << 20;
  opt.max_buffered_body_bytes = 1 << 20;
  start(opt);
  auto a = std::make_unique<raw_conn>(port());
  ASSERT_TRUE(a->connected());
  ASSERT_TRUE(a->send(post(900 * 1000).substr(0, 600 * 1000)));
  raw_conn b(port());
  ASSERT_TRUE(b.connected());
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i)
    chunked += "10000\r\n" + std::string(0x10000, 'c') + "\r\n"; // 5 x 64 KiB, no end yet
  ASSERT_TRUE(b.send(chunked));
  auto r = b.read();
  ASSERT_EQ(r.status, 503);
  EXPECT_TRUE(b.closed_by_server());
  // Closing A gives its share back.
  a.reset();
  for (int k = 0; k < 200 && srv_->stats().buffered_body_bytes != 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(srv_->stats().buffered_body_bytes, 0);
}

TEST_F(HttpLimits, ClosedConnectionsGiveTheirBudgetBack) {
  http_server_options opt;
  opt.max_request_bytes = 1 << 20;
  opt.max_buffered_body_bytes = 1 << 20;
  start(opt);
  for (int i = 0; i < 5; ++i) {
    raw_conn a(port());
    ASSERT_TRUE(a.connected());
    ASSERT_TRUE(a.send(post(900 * 1000).substr(0, 1000))); // reserves, then goes away
    for (int k = 0; k < 100 && srv_->stats().buffered_body_bytes == 0; ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int k = 0; k < 200 && srv_->stats().buffered_body_bytes != 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(srv_->stats().buffered_body_bytes, 0);
  raw_conn c(port());
  ASSERT_TRUE(c.send(post(900 * 1000)));
  EXPECT_EQ(c.read().body, R"({"bytes":900000})");
}

TEST_F(HttpLimits, BudgetSmallerThanOneRequestIsRefusedAtStart) {
  http_server srv(
      http_server_options{"127.0.0.1", 0, 1, 10 << 20, 5, 64 * 1024, 10000, 1 << 20},
      [](const http_request&) { return reply{}; },
      [](const http_request&, int s) {
        return reply{s, ""};
      });
  auto st = srv.start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.to_string().find("max_buffered_body_bytes"), std::string::npos) << st.to_string();
}

} // namespace
} // namespace pinpipe::gateway::test
