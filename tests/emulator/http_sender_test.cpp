// http_sender against a real local httplib server: it must send exactly the course scripts'
// requests (method, path, content type, body bytes) and parse the gateway's replies.
#include "pipeline/emulator/http_sender.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "pipeline/emulator/py_json.hpp"
#include "tests/emulator/fixture.hpp"

using namespace pinpipe;
using namespace pinpipe::emulator;
using namespace pinpipe::emulator::testing;
using ojson = nlohmann::ordered_json;

namespace {

struct captured {
  std::string method, path, content_type, body, api_key;
  int remote_port = 0;
};

/// A local HTTP server on an ephemeral 127.0.0.1 port that records every request and
/// answers with `reply_status` / `reply_body` (or a REST Proxy / Kinesis success reply).
class fake_gateway {
public:
  fake_gateway() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back({req.method, req.path, req.get_header_value("Content-Type"), req.body,
                           req.get_header_value("x-api-key"), req.remote_port});
      if (!reply_body_.empty()) {
        res.status = reply_status_;
        res.set_content(reply_body_, "application/json");
      } else if (req.method == "POST") {
        res.set_content(
            R"({"offsets":[{"partition":0,"offset":)" + std::to_string(next_offset_++) +
                R"(,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null})",
            "application/vnd.kafka.v2+json");
      } else {
        res.set_content(R"({"SequenceNumber":"4963000000000000000000000000000000000000000)" +
                            std::to_string(next_offset_++) +
                            R"(","ShardId":"shardId-000000000003"})",
                        "application/json");
      }
    };
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~fake_gateway() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& prefix = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + prefix;
  }
  std::vector<captured> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  void reply_with(int status, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    reply_status_ = status;
    reply_body_ = body;
  }

private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<captured> requests_;
  int reply_status_ = 200;
  std::string reply_body_;
  int64_t next_offset_ = 41;
};

std::unique_ptr<http_sender> make_sender(const std::string& url, const std::string& key = "") {
  http_sender::options o;
  o.base_url = url;
  o.api_key = key;
  o.timeout_ms = 3000;
  auto s = http_sender::create(o);
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

/// A real pin row with non-ASCII text, as the emulator would send it.
std::string real_pin(const temp_dir& dir) {
  auto src = make_source(dir, 400);
  for (int64_t k = 0; k < 400; ++k) {
    auto ev = src->event(k);
    if (!is_ascii(ev->pin)) return ev->pin;
  }
  ADD_FAILURE() << "no non-ASCII pin in the first 400 rows";
  return src->event(0)->pin;
}

} // namespace

TEST(HttpSender, BatchIsTheCourseRestProxyPost) {
  temp_dir dir;
  const std::string pin = real_pin(dir);
  fake_gateway gw;
  auto sender = make_sender(gw.url());
  auto sent = sender->send("0a60b9a8a831.pin", mode::batch, {pin});
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ((*sent)[0], (sent_record{partition_id{0}, "41"}));

  auto reqs = gw.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/topics/0a60b9a8a831.pin");
  EXPECT_EQ(reqs[0].content_type, "application/vnd.kafka.json.v2+json");
  // json.dumps({"records": [{"value": pin_result}]}): Python separators, ASCII escapes,
  // the row's columns in order.
  ojson expected = {{"records", ojson::array({ojson{{"value", ojson::parse(pin)}}})}};
  EXPECT_EQ(reqs[0].body, python_json_dumps(expected));
  EXPECT_TRUE(is_ascii(reqs[0].body));
  EXPECT_EQ(reqs[0].body.rfind("{\"records\": [{\"value\": {\"index\": ", 0), 0u) << reqs[0].body;
  EXPECT_EQ(ojson::parse(reqs[0].body)["records"][0]["value"], ojson::parse(pin));
}

TEST(HttpSender, StreamIsTheCourseKinesisPutWithRowKeyAsPartitionKey) {
  temp_dir dir;
  const std::string pin = real_pin(dir);
  fake_gateway gw;
  auto sender = make_sender(gw.url());
  auto sent = sender->send("streaming-0a60b9a8a831-pin", mode::stream, {pin});
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  EXPECT_EQ((*sent)[0].partition, partition_id{3});
  EXPECT_EQ((*sent)[0].position, "496300000000000000000000000000000000000000041");

  auto reqs = gw.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].path, "/streams/streaming-0a60b9a8a831-pin/record");
  EXPECT_EQ(reqs[0].content_type, "application/json");
  const ojson body = ojson::parse(reqs[0].body);
  std::vector<std::string> keys;
  for (auto it = body.begin(); it != body.end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"StreamName", "Data", "PartitionKey"}));
  EXPECT_EQ(body["StreamName"], "streaming-0a60b9a8a831-pin");
  EXPECT_EQ(body["Data"], ojson::parse(pin));
  EXPECT_EQ(body["PartitionKey"], std::to_string(ojson::parse(pin)["index"].get<int64_t>()));
  EXPECT_EQ(reqs[0].body, python_json_dumps(body));
}

TEST(HttpSender, BaseUrlPathPrefixApiKeyAndKeepAliveAreHonoured) {
  fake_gateway gw;
  auto sender = make_sender(gw.url("/test/"), "secret-key");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(sender->send("u.geo", mode::batch, {"{\"ind\":" + std::to_string(i) + "}"}).ok());
  auto reqs = gw.requests();
  ASSERT_EQ(reqs.size(), 5u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.path, "/test/topics/u.geo");
    EXPECT_EQ(r.api_key, "secret-key");
    EXPECT_EQ(r.remote_port, reqs[0].remote_port) << "one kept-alive connection";
  }
}

TEST(HttpSender, GatewayErrorsBecomeValuesWithTheReply) {
  fake_gateway gw;
  auto sender = make_sender(gw.url());
  gw.reply_with(404, R"({"error_code":40401,"message":"Topic not found."})");
  auto r = sender->send("x.pin", mode::batch, {"{\"index\":1}"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unknown_topic);
  EXPECT_NE(r.error().message().find("40401"), std::string::npos);
  gw.reply_with(200, "not json");
  auto m = sender->send("streaming-x-pin", mode::stream, {"{\"index\":1}"});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), errc::malformed_message);
  auto bad_value = sender->send("x.pin", mode::batch, {"{not json"});
  EXPECT_EQ(bad_value.error().code(), errc::invalid_argument);
}

TEST(HttpSender, UnreachableGatewayIsUnavailableAndBadUrlsAreRejected) {
  int port = 0;
  {
    fake_gateway gw; // take a free port, then close it
    port = std::stoi(gw.url().substr(gw.url().rfind(':') + 1));
  }
  auto sender = make_sender("http://127.0.0.1:" + std::to_string(port));
  auto r = sender->send("x.pin", mode::batch, {"{\"index\":1}"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unavailable);
  http_sender::options o;
  o.base_url = "ftp://host";
  EXPECT_EQ(http_sender::create(o).error().code(), errc::invalid_config);
  o.base_url = "http://";
  EXPECT_FALSE(http_sender::create(o).ok());
}
