// Kafka REST Proxy v2 topic routes over real HTTP: produce (json/binary), partitioning,
// topic listing, v3 topic creation, every error code, API keys, stage prefix, stats.
#include "tests/gateway/gateway_fixture.hpp"

#include "gateway/rest_proxy.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
namespace gateway = pinpipe::gateway;
using namespace pinpipe::gateway::test;

using RestProxy = gateway_fixture;

TEST_F(RestProxy, ProduceJsonReturnsOffsetsPerRecordAndStoresValueTextInOrder) {
  std::string body =
      R"({"records":[{"value":{"index":7528,"unique_id":"u","title":"T","follower_count":"437"}},)"
      R"({"value":{"ind":1,"latitude":-89.9787,"timestamp":"2020-08-28 03:52:47"}}]})";
  auto r = post("/topics/t1", body, k_json_v2);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_of(r);
  ASSERT_EQ(j["offsets"].size(), 2u);
  EXPECT_EQ(j["offsets"][0]["offset"], 0);
  EXPECT_EQ(j["offsets"][1]["offset"], 1);
  EXPECT_EQ(j["offsets"][0]["partition"], 0);
  EXPECT_TRUE(j["offsets"][0]["error_code"].is_null());
  EXPECT_TRUE(j["key_schema_id"].is_null());
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 2u);
  // Field order is the client's, not alphabetical.
  EXPECT_EQ(recs[0].rec.value,
            R"({"index":7528,"unique_id":"u","title":"T","follower_count":"437"})");
  EXPECT_EQ(recs[1].rec.value,
            R"({"ind":1,"latitude":-89.9787,"timestamp":"2020-08-28 03:52:47"})");
  EXPECT_FALSE(recs[0].rec.key.has_value());
}

TEST_F(RestProxy, ProduceBinaryStoresDecodedBytesAndKey) {
  auto r = post("/topics/t1", R"({"records":[{"key":"a2V5","value":"AAEC/w=="}]})", k_binary_v2);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto recs = stored("t1");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].rec.value, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(recs[0].rec.key.value_or(""), "key");
}

TEST_F(RestProxy, KeyedRecordsGoToTheMurmur2PartitionAndExplicitPartitionWins) {
  auto r = post(
      "/topics/t3",
      R"({"records":[{"key":"user-42","value":1},{"value":2,"partition":2},{"key":"x","value":3,"partition":1}]})",
      k_json_v2);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_of(r);
  int32_t expect = kafka_partition_for_key("\"user-42\"", 3);
  EXPECT_EQ(j["offsets"][0]["partition"], expect);
  EXPECT_EQ(j["offsets"][1]["partition"], 2);
  EXPECT_EQ(j["offsets"][2]["partition"], 1);
  auto recs = stored("t3", expect);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0].rec.key.value_or(""), "\"user-42\"");
}

TEST_F(RestProxy, ProduceToPartitionRoute) {
  auto r = post("/topics/t3/partitions/1", R"({"records":[{"value":"v"}]})", k_json_v2);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(stored("t3", 1).size(), 1u);
  auto bad = post("/topics/t3/partitions/9", R"({"records":[{"value":"v"}]})", k_json_v2);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 404);
  EXPECT_EQ(error_code(bad), 40402);
}

TEST_F(RestProxy, BodyThatIsNotJsonIs400) {
  auto r = post("/topics/t1", "{\"records\": [", k_json_v2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_code(r), 400);
  EXPECT_TRUE(stored("t1").empty());
}

TEST_F(RestProxy, JsonFollowedByANulByteAndJunkIs400NamingTheTrailingBytes) {
  // nlohmann's lexer stops at a NUL byte: without the check this stored the record.
  const std::string body = std::string(R"({"records":[{"value":1}]})") + '\0' + "junk";
  for (const char* ct : {k_json_v2, k_binary_v2}) {
    auto r = post("/topics/t1", body, ct);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << ct << ": " << r->body;
    EXPECT_EQ(error_code(r), 400) << ct;
    const auto msg = body_of(r).value("message", "");
    EXPECT_NE(msg.find("5 bytes after the JSON value"), std::string::npos) << msg;
    EXPECT_NE(msg.find("NUL byte (0x00) at byte 25"), std::string::npos) << msg;
  }
  // A NUL inside the document is named too; whitespace after the value stays fine.
  auto inside = post("/topics/t1", std::string(R"({"records":[{"value":)") + '\0' + "1}]}", k_json_v2);
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->status, 400) << inside->body;
  EXPECT_NE(body_of(inside).value("message", "").find("NUL byte (0x00) at byte 21"),
            std::string::npos)
      << inside->body;
  EXPECT_TRUE(stored("t1").empty());
  auto spaced = post("/topics/t1", "{\"records\":[{\"value\":1}]} \r\n\t ", k_json_v2);
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->status, 200) << spaced->body;
  EXPECT_EQ(stored("t1").size(), 1u);
}

TEST_F(RestProxy, UnknownTopicIs40401) {
  auto r = post("/topics/nope", R"({"records":[{"value":1}]})", k_json_v2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_code(r), 40401);
  auto g = cli_->Get("/topics/nope");
  ASSERT_TRUE(g);
  EXPECT_EQ(error_code(g), 40401);
  auto internal = cli_->Get("/topics/__consumer_offsets");
  ASSERT_TRUE(internal);
  EXPECT_EQ(error_code(internal), 40401);
}

TEST_F(RestProxy, WrongContentTypeIs415) {
  for (const char* ct : {"application/json", "text/plain", "application/vnd.kafka.avro.v2+json"}) {
    auto r = post("/topics/t1", R"({"records":[{"value":1}]})", ct);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 415) << ct;
    EXPECT_EQ(error_code(r), 415) << ct;
  }
  EXPECT_TRUE(stored("t1").empty());
}

TEST_F(RestProxy, InvalidRequestShapesAre422AndStoreNothing) {
  for (const char* body :
       {R"([1,2])", R"({"value":1})", R"({"records":{"value":1}})",
        R"({"records":[{"value":1},5]})", R"({"records":[{"value":1,"color":2}]})",
        R"({"records":[{"value":1,"partition":"x"}]})", R"({"records":[{"value":1}],"x":1})"}) {
    auto r = post("/topics/t1", body, k_json_v2);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << body;
    EXPECT_EQ(error_code(r), 42201) << body;
  }
  auto b = post("/topics/t1", R"({"records":[{"value":"not base64!"}]})", k_binary_v2);
  ASSERT_TRUE(b);
  EXPECT_EQ(error_code(b), 42201);
  EXPECT_TRUE(stored("t1").empty());
}

TEST_F(RestProxy, RecordOverTheLimitIs413AndTheWholeRequestIsRejected) {
  gateway_options opt;
  opt.max_record_bytes = 100;
  opt.max_request_bytes = 1000;
  start_gateway(opt);
  std::string big(200, 'x');
  auto r =
      post("/topics/t1", R"({"records":[{"value":"ok"},{"value":")" + big + "\"}]}", k_json_v2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(error_code(r), 413);
  EXPECT_TRUE(stored("t1").empty());
  std::string huge = R"({"records":[)";
  for (int i = 0; i < 100; ++i)
    huge += std::string(i ? "," : "") + R"({"value":"0123456789"})";
  huge += "]}";
  auto h = post("/topics/t1", huge, k_json_v2);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 413);
  EXPECT_EQ(error_code(h), 413);
  EXPECT_TRUE(stored("t1").empty());
}

TEST_F(RestProxy, ListAndDescribeTopicsHideInternalOnes) {
  auto r = cli_->Get("/topics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto j = body_of(r);
  std::vector<std::string> names;
  for (auto& n : j)
    names.push_back(n.get<std::string>());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"s5", "t1", "t3"}));
  auto d = cli_->Get("/topics/t3");
  ASSERT_TRUE(d);
  auto dj = body_of(d);
  EXPECT_EQ(dj["name"], "t3");
  EXPECT_EQ(dj["partitions"].size(), 3u);
  EXPECT_EQ(dj["partitions"][2]["partition"], 2);
  ASSERT_EQ(post("/topics/t3/partitions/2", R"({"records":[{"value":1},{"value":2}]})", k_json_v2)
                ->status,
            200);
  auto o = cli_->Get("/topics/t3/partitions/2/offsets");
  ASSERT_TRUE(o);
  EXPECT_EQ(body_of(o)["beginning_offset"], 0);
  EXPECT_EQ(body_of(o)["end_offset"], 2);
}

TEST_F(RestProxy, V3CreatesPlainTopicsAndRefusesDuplicates) {
  auto r = post("/v3/clusters/pinpipe/topics", R"({"topic_name":"new.topic","partitions_count":4})",
                "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  auto t = log_->describe_topic("new.topic");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->partitions.size(), 4u);
  EXPECT_FALSE(t->config.is_stream);
  auto again =
      post("/v3/clusters/pinpipe/topics", R"({"topic_name":"new.topic"})", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
  EXPECT_EQ(error_code(again), 40002);
  auto del = cli_->Delete("/v3/clusters/pinpipe/topics/new.topic");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  EXPECT_FALSE(log_->describe_topic("new.topic").ok());
}

TEST_F(RestProxy, UnknownRouteIs404AndWrongMethodIs405) {
  auto r = cli_->Get("/nothing/here");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_code(r), 404);
  auto m = cli_->Delete("/topics/t1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 405);
}

TEST_F(RestProxy, ApiGatewayStagePrefixIsIgnored) {
  auto r = post("/prod/topics/t1", R"({"records":[{"value":{"a":1}}]})", k_json_v2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(stored("t1").size(), 1u);
}

TEST_F(RestProxy, ApiKeysAreRequiredWhenConfigured) {
  gateway_options opt;
  opt.api_keys = {"secret-1"};
  start_gateway(opt);
  auto none = post("/topics/t1", R"({"records":[{"value":1}]})", k_json_v2);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 403);
  EXPECT_EQ(error_code(none), 40301);
  httplib::Headers wrong{{"x-api-key", "nope"}};
  auto w = cli_->Post("/topics/t1", wrong, R"({"records":[{"value":1}]})", k_json_v2);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->status, 403);
  auto s = cli_->Get("/streams");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 403);
  EXPECT_TRUE(stored("t1").empty());
  httplib::Headers right{{"x-api-key", "secret-1"}};
  auto ok = cli_->Post("/topics/t1", right, R"({"records":[{"value":1}]})", k_json_v2);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(stored("t1").size(), 1u);
}

TEST_F(RestProxy, StartFailsWhenThePortIsTakenAndNamesTheAddress) {
  gateway_options opt;
  opt.port = gw_->port();
  gateway::gateway second(*log_, opt);
  auto st = second.start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), errc::io_error);
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(gw_->port())), std::string::npos);
}

TEST_F(RestProxy, StatsCountRequestsRecordsAndErrors) {
  ASSERT_EQ(post("/topics/t1", R"({"records":[{"value":1},{"value":2}]})", k_json_v2)->status, 200);
  ASSERT_EQ(post("/topics/nope", R"({"records":[{"value":1}]})", k_json_v2)->status, 404);
  ASSERT_EQ(post("/topics/t1", "xx", k_json_v2)->status, 400);
  auto s = gw_->stats();
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.records_produced, 2);
  EXPECT_EQ(s.errors_by_status[404], 1);
  EXPECT_EQ(s.errors_by_status[400], 1);
}

TEST_F(RestProxy, ConcurrentProducersGetDenseDistinctOffsets) {
  constexpr int k_threads = 4;
  constexpr int k_each = 100;
  std::vector<std::thread> ts;
  std::vector<std::vector<int64_t>> seen(k_threads);
  for (int t = 0; t < k_threads; ++t) {
    ts.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", gw_->port());
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      for (int i = 0; i < k_each; ++i) {
        auto r = c.Post("/topics/t1", R"({"records":[{"value":{"t":)" + std::to_string(t) + "}}]}",
                        k_json_v2);
        if (r && r->status == 200)
          seen[t].push_back(json::parse(r->body)["offsets"][0]["offset"].get<int64_t>());
      }
    });
  }
  for (auto& t : ts)
    t.join();
  std::vector<int64_t> all;
  for (auto& v : seen)
    all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t(k_threads * k_each));
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i], int64_t(i));
  EXPECT_EQ(stored("t1").size(), all.size());
}
