// Shared test fixture: an in-memory log, a gateway on an ephemeral 127.0.0.1 port and an
// httplib client with keep-alive. Topics: "t1" (1 partition), "t3" (3 partitions) and the
// stream "s5" (5 shards).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "gateway/gateway.hpp"
#include "logclient/local_log_client.hpp"

namespace pinpipe::gateway::test {

using json = nlohmann::ordered_json;
constexpr const char* k_json_v2 = "application/vnd.kafka.json.v2+json";
constexpr const char* k_binary_v2 = "application/vnd.kafka.binary.v2+json";

class gateway_fixture : public ::testing::Test {
protected:
  void SetUp() override { start_gateway({}); }
  void TearDown() override {
    cli_.reset(); // close the keep-alive connection first, or stop() waits for its timeout
    gw_.reset();
    log_.reset(); // closes the log it owns
  }
  void start_gateway(gateway_options opt) {
    cli_.reset();
    gw_.reset();
    storage::log_config cfg;
    log_ = logclient::make_memory_log_client(cfg);
    storage::topic_config one;
    ASSERT_TRUE(log_->create_topic("t1", one).ok());
    storage::topic_config three;
    three.partitions = 3;
    ASSERT_TRUE(log_->create_topic("t3", three).ok());
    storage::topic_config stream;
    stream.partitions = 5;
    stream.is_stream = true;
    ASSERT_TRUE(log_->create_topic("s5", stream).ok());
    opt.host = "127.0.0.1";
    opt.port = 0;
    gw_ = std::make_unique<gateway>(*log_, opt);
    auto st = gw_->start();
    ASSERT_TRUE(st.ok()) << st.to_string();
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", gw_->port());
    cli_->set_keep_alive(true);
    cli_->set_tcp_nodelay(true);
    cli_->set_read_timeout(10, 0);
  }
  /// Values stored in one partition, in offset order.
  std::vector<storage::stored_record> stored(const std::string& topic, int32_t p = 0) {
    auto f = log_->fetch(topic, partition_id{p}, offset_t{0}, 64 << 20);
    EXPECT_TRUE(f.ok());
    return f ? f->records : std::vector<storage::stored_record>{};
  }
  httplib::Result post(const std::string& path, const std::string& body, const char* ct) {
    return cli_->Post(path.c_str(), body, ct);
  }
  static json body_of(const httplib::Result& r) { return json::parse(r->body, nullptr, false); }
  static int error_code(const httplib::Result& r) {
    auto j = body_of(r);
    return j.is_object() && j.contains("error_code") ? j["error_code"].get<int>() : -1;
  }
  static std::string kinesis_type(const httplib::Result& r) {
    auto j = body_of(r);
    return j.is_object() && j.contains("__type") ? j["__type"].get<std::string>() : "";
  }
  httplib::Result kinesis(const std::string& action, const json& params) {
    httplib::Headers h{{"X-Amz-Target", "Kinesis_20131202." + action}};
    return cli_->Post("/", h, params.dump(), "application/x-amz-json-1.1");
  }

  std::unique_ptr<logclient::local_log_client> log_;
  std::unique_ptr<gateway> gw_;
  std::unique_ptr<httplib::Client> cli_;
};

} // namespace pinpipe::gateway::test
