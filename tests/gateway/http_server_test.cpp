// The gateway's own HTTP/1.1 server (gateway/http_server.hpp) seen from raw sockets: keep-alive
// over many requests, requests split across TCP writes, bodies over the limit, chunked
// bodies, Connection: close, malformed requests, idle connections not holding workers.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gateway/http_server.hpp"
#include "tests/gateway/gateway_fixture.hpp"
#include "tests/gateway/http_raw_client.hpp"

namespace pinpipe::gateway::test {
namespace {

std::string produce_request(const std::string& body, const std::string& extra_headers = "") {
  return "POST /topics/t1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + std::string(k_json_v2) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

class HttpServer : public gateway_fixture {};

TEST_F(HttpServer, ManySequentialRequestsShareOneKeepAliveConnection) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        c.send(produce_request(R"({"records":[{"value":{"i":)" + std::to_string(i) + "}}]}")));
    auto r = c.read();
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["offsets"][0]["offset"].get<int64_t>(), i);
  }
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 300u);
  EXPECT_EQ(recs[299].rec.value, R"({"i":299})");
  EXPECT_EQ(gw_->stats().requests, 300);
}

TEST_F(HttpServer, RequestSplitAcrossSeveralWritesIsServed) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  const std::string req = produce_request(R"({"records":[{"value":"split"}]})");
  // Cut inside the request line, inside a header, between head and body, inside the body.
  const size_t cuts[] = {7, 40, req.find("\r\n\r\n") + 4, req.size() - 5, req.size()};
  size_t from = 0;
  for (size_t cut : cuts) {
    ASSERT_TRUE(c.send(req.substr(from, cut - from)));
    from = cut;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto r = c.read();
  ASSERT_EQ(r.status, 200) << r.body;
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].rec.value, "\"split\"");
}

TEST_F(HttpServer, BodyOverTheLimitIs413AndTheConnectionStaysUsable) {
  gateway_options opt;
  opt.max_record_bytes = 100;
  opt.max_request_bytes = 1000;
  start_gateway(opt);
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  std::string big = R"({"records":[{"value":")" + std::string(5000, 'x') + "\"}]}";
  ASSERT_TRUE(c.send(produce_request(big)));
  auto r = c.read();
  ASSERT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["error_code"].get<int>(), 413);
  ASSERT_TRUE(c.send(produce_request(R"({"records":[{"value":"after"}]})")));
  auto ok = c.read();
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].rec.value, "\"after\"");
}

TEST_F(HttpServer, ChunkedRequestBodyIsDecoded) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  const std::string body = R"({"records":[{"value":"chunked body"}]})";
  std::string req =
      "POST /topics/t1 HTTP/1.1\r\nHost: x\r\nContent-Type: " + std::string(k_json_v2) +
      "\r\nTransfer-Encoding: chunked\r\n\r\n";
  char line[32];
  std::snprintf(line, sizeof line, "%zx\r\n", size_t(10));
  req += line + body.substr(0, 10) + "\r\n";
  std::snprintf(line, sizeof line, "%zx;ext=1\r\n", body.size() - 10);
  req += line + body.substr(10) + "\r\n0\r\n\r\n";
  ASSERT_TRUE(c.send(req));
  auto r = c.read();
  ASSERT_EQ(r.status, 200) << r.body;
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].rec.value, "\"chunked body\"");
}

TEST_F(HttpServer, ConnectionCloseIsAnsweredThenClosed) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(produce_request(R"({"records":[{"value":1}]})", "Connection: close\r\n")));
  auto r = c.read();
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(raw_conn::lower(r.head).find("connection: close"), std::string::npos) << r.head;
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServer, MalformedRequestGets400EnvelopeAndIsClosed) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("NONSENSE\r\n\r\n"));
  auto r = c.read();
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error_code"].get<int>(), 400);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(produce_request(R"({"records":[{"value":"a"}]})") +
                     "GET /topics/nope HTTP/1.1\r\nHost: x\r\n\r\n" +
                     produce_request(R"({"records":[{"value":"b"}]})")));
  auto a = c.read();
  auto missing = c.read();
  auto b = c.read();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(json::parse(b.body)["offsets"][0]["offset"].get<int64_t>(), 1);
}

TEST_F(HttpServer, IdleKeepAliveConnectionsDoNotHoldTheOnlyWorker) {
  gateway_options opt;
  opt.threads = 1;
  start_gateway(opt);
  raw_conn idle1(gw_->port()), idle2(gw_->port());
  ASSERT_TRUE(idle1.connected() && idle2.connected());
  ASSERT_TRUE(idle1.send(produce_request(R"({"records":[{"value":1}]})")));
  ASSERT_EQ(idle1.read().status, 200); // idle1 stays open, doing nothing
  raw_conn c(gw_->port());
  ASSERT_TRUE(c.connected());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(produce_request(R"({"records":[{"value":2}]})")));
  EXPECT_EQ(c.read().status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(UrlDecode, DecodesPercentEscapesAndPlusOnlyWhenAsked) {
  EXPECT_EQ(url_decode("/topics/a%2Eb", false), "/topics/a.b");
  EXPECT_EQ(url_decode("a+b%20c", false), "a+b c");
  EXPECT_EQ(url_decode("a+b%20c", true), "a b c");
  EXPECT_EQ(url_decode("100%", false), "100%");
  EXPECT_EQ(url_decode("%u00e9", false), "\xc3\xa9");
}

} // namespace
} // namespace pinpipe::gateway::test
