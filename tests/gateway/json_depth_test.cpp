// Rule: no JSON body can crash the gateway. A document nested 100,000 levels deep (which
// overflowed the stack in nlohmann's dump() and took the node down with SIGSEGV) is refused
// with 400 naming [gateway] max_json_depth, in every field of every route, and the server
// keeps answering. Real gateway over 127.0.0.1.
#include "tests/gateway/gateway_fixture.hpp"

#include "gateway/http_common.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

namespace {

constexpr int k_levels = 100000;

std::string deep_array(int levels) {
  return std::string(static_cast<size_t>(levels), '[') + std::string(static_cast<size_t>(levels), ']');
}

std::string deep_object(int levels) {
  std::string s;
  s.reserve(static_cast<size_t>(levels) * 7);
  for (int i = 0; i < levels; ++i)
    s += "{\"a\":";
  s += "1";
  s += std::string(static_cast<size_t>(levels), '}');
  return s;
}

struct probe {
  std::string method;
  std::string path;
  std::string content_type;
  std::string body;
  httplib::Headers headers;
};

} // namespace

using JsonDepth = gateway_fixture;

TEST(JsonDepthScan, CountsNestingAndSkipsStrings) {
  EXPECT_TRUE(json_depth_within("[[1]]", 2));
  EXPECT_FALSE(json_depth_within("[[[1]]]", 2));
  EXPECT_TRUE(json_depth_within(R"({"a":"[[[[[[\"[[[["})", 1));
  EXPECT_FALSE(json_depth_within(deep_array(k_levels), 64));
  EXPECT_TRUE(json_depth_within(deep_array(64), 64));
}

TEST_F(JsonDepth, DeepDocumentInEveryFieldOfEveryRouteIs400AndTheServerStaysUp) {
  // A consumer instance for the /consumers/... routes.
  auto c = post("/consumers/g", R"({"name":"c1","format":"json"})", "application/vnd.kafka.v2+json");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->status, 200) << c->body;
  const std::string inst = "/consumers/g/instances/c1";
  const char* v2 = "application/vnd.kafka.v2+json";
  const char* amz = "application/x-amz-json-1.1";
  std::vector<probe> probes;
  for (const auto& deep : {deep_array(k_levels), deep_object(k_levels)}) {
    // REST Proxy v2 produce: value and key, json and binary, both produce routes.
    for (const char* ct : {k_json_v2, k_binary_v2}) {
      for (const char* path : {"/topics/t1", "/topics/t1/partitions/0"}) {
        probes.push_back({"POST", path, ct, R"({"records":[{"value":)" + deep + "}]}", {}});
        probes.push_back(
            {"POST", path, ct, R"({"records":[{"key":)" + deep + R"(,"value":1}]})", {}});
        probes.push_back(
            {"POST", path, ct, R"({"records":[{"value":1,"partition":)" + deep + "}]}", {}});
        probes.push_back({"POST", path, ct, deep, {}});
      }
    }
    // v3 topic admin.
    probes.push_back({"POST", "/v3/clusters/pinpipe/topics", v2, R"({"topic_name":)" + deep + "}", {}});
    probes.push_back({"POST", "/v3/clusters/pinpipe/topics", v2,
                      R"({"topic_name":"x","partitions_count":)" + deep + "}", {}});
    // Consumer API.
    for (const char* field : {"name", "format", "auto.offset.reset", "auto.commit.enable"}) {
      probes.push_back(
          {"POST", "/consumers/g", v2, std::string("{\"") + field + "\":" + deep + "}", {}});
    }
    probes.push_back({"POST", inst + "/subscription", v2, R"({"topics":)" + deep + "}", {}});
    probes.push_back({"POST", inst + "/subscription", v2, R"({"topic_pattern":)" + deep + "}", {}});
    probes.push_back({"POST", inst + "/offsets", v2, R"({"offsets":)" + deep + "}", {}});
    probes.push_back({"POST", inst + "/offsets", v2,
                      R"({"offsets":[{"topic":"t1","partition":0,"offset":)" + deep + "}]}", {}});
    probes.push_back({"GET", inst + "/offsets", v2, R"({"partitions":)" + deep + "}", {}});
    for (const char* where : {"/positions", "/positions/beginning", "/positions/end"}) {
      probes.push_back({"POST", inst + where, v2, R"({"offsets":)" + deep + "}", {}});
      probes.push_back({"POST", inst + where, v2,
                        R"({"partitions":[{"topic":"t1","partition":)" + deep + "}]}", {}});
    }
    // Kinesis through API Gateway.
    probes.push_back({"POST", "/streams/new1", "application/json", R"({"ShardCount":)" + deep + "}", {}});
    probes.push_back({"PUT", "/streams/s5/record", "application/json",
                      R"({"Data":)" + deep + R"(,"PartitionKey":"k"})", {}});
    probes.push_back({"PUT", "/streams/s5/record", "application/json",
                      R"({"Data":1,"PartitionKey":)" + deep + "}", {}});
    probes.push_back({"PUT", "/streams/s5/records", "application/json",
                      R"({"records":[{"data":)" + deep + R"(,"partition-key":"k"}]})", {}});
    probes.push_back({"PUT", "/streams/s5/records", "application/json",
                      R"({"records":)" + deep + "}", {}});
    // Native Kinesis: every action, every field.
    const std::vector<std::pair<std::string, std::vector<std::string>>> actions = {
        {"PutRecord", {"StreamName", "Data", "PartitionKey", "ExplicitHashKey"}},
        {"PutRecords", {"StreamName", "Records"}},
        {"CreateStream", {"StreamName", "ShardCount"}},
        {"DeleteStream", {"StreamName", "StreamARN"}},
        {"ListStreams", {"Limit", "ExclusiveStartStreamName"}},
        {"DescribeStream", {"StreamName", "ExclusiveStartShardId"}},
        {"DescribeStreamSummary", {"StreamName"}},
        {"ListShards", {"StreamName"}},
        {"GetShardIterator", {"StreamName", "ShardId", "ShardIteratorType", "Timestamp"}},
        {"GetRecords", {"ShardIterator", "Limit"}},
    };
    for (const auto& [action, fields] : actions) {
      for (const auto& f : fields) {
        probes.push_back({"POST", "/", amz, "{\"" + f + "\":" + deep + "}",
                          {{"X-Amz-Target", "Kinesis_20131202." + action}}});
      }
    }
    probes.push_back({"POST", "/", amz,
                      R"({"StreamName":"s5","Records":[{"Data":)" + deep + R"(,"PartitionKey":"k"}]})",
                      {{"X-Amz-Target", "Kinesis_20131202.PutRecords"}}});
  }
  ASSERT_GT(probes.size(), 100u);
  for (const auto& p : probes) {
    httplib::Request req; // raw, so that GET carries its body too
    req.method = p.method;
    req.path = p.path;
    req.body = p.body;
    req.headers = p.headers;
    req.headers.emplace("Content-Type", p.content_type);
    httplib::Result r = cli_->send(req);
    ASSERT_TRUE(r) << p.method << " " << p.path << ": no answer (server down?)";
    EXPECT_EQ(r->status, 400) << p.method << " " << p.path << " " << p.body.substr(0, 60)
                              << " -> " << r->body.substr(0, 300);
    EXPECT_NE(r->body.find("max_json_depth"), std::string::npos)
        << p.method << " " << p.path << " -> " << r->body.substr(0, 300);
  }
  // Still serving, and nothing was stored.
  auto ok = cli_->Get("/topics");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_TRUE(stored("t1").empty());
  EXPECT_FALSE(log_->describe_topic("new1").ok());
}

TEST_F(JsonDepth, TheLimitCountsEveryLevelOfTheBodyAndComesFromTheOptions) {
  gateway_options opt;
  opt.max_json_depth = 5;
  start_gateway(opt);
  // {"records":[{"value":[[1]]}]}: object, array, object, array, array = 5 levels.
  auto at = post("/topics/t1", R"({"records":[{"value":[[1]]}]})", k_json_v2);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->status, 200) << at->body;
  auto over = post("/topics/t1", R"({"records":[{"value":[[[1]]]}]})", k_json_v2);
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 400);
  EXPECT_NE(over->body.find("deeper than 5 levels"), std::string::npos) << over->body;
  EXPECT_EQ(stored("t1").size(), 1u);
}

TEST_F(JsonDepth, ConsumerReadingADeepValueStoredByAnotherPathStaysUp) {
  // The direct (ZeroMQ) path stores any bytes; the json consumer checks whether a value is
  // JSON before splicing it in, and that check must not recurse either.
  storage::produce_request req;
  req.topic = "t1";
  req.partition = partition_id{0};
  storage::record rec;
  rec.value = deep_array(k_levels);
  req.records.push_back(rec);
  std::vector<storage::produce_request> reqs;
  reqs.push_back(std::move(req));
  auto res = produce_all(*log_, std::move(reqs));
  ASSERT_TRUE(res[0].st.ok()) << res[0].st.to_string();
  const char* v2 = "application/vnd.kafka.v2+json";
  ASSERT_EQ(post("/consumers/g", R"({"name":"c1","auto.offset.reset":"earliest"})", v2)->status, 200);
  ASSERT_EQ(post("/consumers/g/instances/c1/subscription", R"({"topics":["t1"]})", v2)->status, 204);
  auto r = cli_->Get("/consumers/g/instances/c1/records?timeout=0",
                     {{"Accept", "application/vnd.kafka.json.v2+json"}});
  ASSERT_TRUE(r) << "no answer (server down?)";
  EXPECT_EQ(r->status, 200);
  EXPECT_GT(r->body.size(), static_cast<size_t>(2 * k_levels));
  auto ok = cli_->Get("/topics");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}
