// Kafka REST Proxy v2 consumer API over real HTTP: instances, subscription, records,
// commits stored in the log's consumer groups, seeking, and the error codes.
#include "tests/gateway/gateway_fixture.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

namespace {
constexpr const char* k_v2 = "application/vnd.kafka.v2+json";
}

class ConsumerApi : public gateway_fixture {
protected:
  void produce_n(const std::string& topic, int n, int start = 0) {
    std::string body = R"({"records":[)";
    for (int i = 0; i < n; ++i) {
      body += std::string(i ? "," : "") + R"({"value":{"n":)" + std::to_string(start + i) + "}}";
    }
    body += "]}";
    auto r = post("/topics/" + topic, body, k_json_v2);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  std::string base(const std::string& group, const std::string& name) {
    return "/consumers/" + group + "/instances/" + name;
  }
  void create(const std::string& group, const std::string& name,
              const std::string& reset = "earliest", const std::string& format = "json") {
    auto r = post("/consumers/" + group,
                  R"({"name":")" + name + R"(","format":")" + format +
                      R"(","auto.offset.reset":")" + reset + R"("})",
                  k_v2);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(body_of(r)["instance_id"], name);
  }
  void subscribe(const std::string& group, const std::string& name, const std::string& topics) {
    auto r = post(base(group, name) + "/subscription", R"({"topics":)" + topics + "}", k_v2);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 204) << r->body;
  }
  json fetch(const std::string& group, const std::string& name, int timeout_ms = 0,
             const char* accept = k_json_v2) {
    httplib::Headers h{{"Accept", accept}};
    auto r = cli_->Get(
        (base(group, name) + "/records?timeout=" + std::to_string(timeout_ms)).c_str(), h);
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, 200) << r->body;
    return body_of(r);
  }
};

TEST_F(ConsumerApi, ConsumerReadsEverythingProducedExactlyOnceWithRestProxyShape) {
  produce_n("t3", 30);
  produce_n("t1", 5, 100);
  create("g", "c1");
  subscribe("g", "c1", R"(["t3","t1"])");
  std::multiset<int> seen;
  for (int round = 0; round < 10; ++round) {
    auto recs = fetch("g", "c1");
    if (recs.empty()) break;
    for (auto& r : recs) {
      ASSERT_TRUE(r.contains("topic") && r.contains("key") && r.contains("partition") &&
                  r.contains("offset"));
      EXPECT_TRUE(r["key"].is_null());
      seen.insert(r["value"]["n"].get<int>());
    }
  }
  ASSERT_EQ(seen.size(), 35u);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(seen.count(i), 1u) << i;
  for (int i = 100; i < 105; ++i)
    EXPECT_EQ(seen.count(i), 1u) << i;
  EXPECT_TRUE(fetch("g", "c1").empty());
}

TEST_F(ConsumerApi, EmptyBodyCommitStoresFetchedPositionsInTheLog) {
  produce_n("t1", 4);
  create("g", "c1");
  subscribe("g", "c1", R"(["t1"])");
  ASSERT_EQ(fetch("g", "c1").size(), 4u);
  auto c = cli_->Post((base("g", "c1") + "/offsets").c_str(), "", k_v2);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->status, 200) << c->body;
  auto offs = log_->committed_offsets("g");
  ASSERT_EQ(offs.size(), 1u);
  EXPECT_EQ(offs[0].topic, "t1");
  EXPECT_EQ(offs[0].offset.get(), 4);
  auto g = cli_->Get((base("g", "c1") + "/offsets").c_str());
  ASSERT_TRUE(g);
  ASSERT_EQ(g->status, 200);
  EXPECT_EQ(body_of(g)["offsets"][0]["offset"], 4);
}

TEST_F(ConsumerApi, ExplicitOffsetsAreCommittedAsGivenAndANewInstanceResumesThere) {
  produce_n("t1", 10);
  create("g", "c1");
  subscribe("g", "c1", R"(["t1"])");
  auto c = post(base("g", "c1") + "/offsets",
                R"({"offsets":[{"topic":"t1","partition":0,"offset":7}]})", k_v2);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->status, 200) << c->body;
  EXPECT_EQ(log_->committed_offsets("g")[0].offset.get(), 7);
  create("g", "c2", "earliest");
  subscribe("g", "c2", R"(["t1"])");
  auto recs = fetch("g", "c2");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0]["offset"], 7);
  EXPECT_EQ(recs[0]["value"]["n"], 7);
}

TEST_F(ConsumerApi, LatestSkipsRecordsProducedBeforeSubscribing) {
  produce_n("t1", 3);
  create("g", "c1", "latest");
  subscribe("g", "c1", R"(["t1"])");
  EXPECT_TRUE(fetch("g", "c1").empty());
  produce_n("t1", 2, 50);
  auto recs = fetch("g", "c1");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["value"]["n"], 50);
}

TEST_F(ConsumerApi, LongPollReturnsARecordProducedDuringTheWait) {
  create("g", "c1", "latest");
  subscribe("g", "c1", R"(["t1"])");
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    httplib::Client c("127.0.0.1", gw_->port());
    c.Post("/topics/t1", R"({"records":[{"value":{"n":9}}]})", k_json_v2);
  });
  auto t0 = std::chrono::steady_clock::now();
  auto recs = fetch("g", "c1", 5000);
  auto waited = std::chrono::steady_clock::now() - t0;
  producer.join();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["value"]["n"], 9);
  EXPECT_LT(waited, std::chrono::milliseconds(4000));
}

TEST_F(ConsumerApi, BinaryConsumerGetsBase64AndAcceptMismatchIs406) {
  ASSERT_EQ(
      post("/topics/t1", R"({"records":[{"key":"aw==","value":"AAEC"}]})", k_binary_v2)->status,
      200);
  create("g", "b1", "earliest", "binary");
  subscribe("g", "b1", R"(["t1"])");
  httplib::Headers h{{"Accept", k_json_v2}};
  auto mismatch = cli_->Get((base("g", "b1") + "/records").c_str(), h);
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->status, 406);
  EXPECT_EQ(error_code(mismatch), 40601);
  auto recs = fetch("g", "b1", 0, k_binary_v2);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["value"], "AAEC");
  EXPECT_EQ(recs[0]["key"], "aw==");
}

TEST_F(ConsumerApi, PositionsSeekToBeginningEndAndOffset) {
  produce_n("t1", 5);
  create("g", "c1");
  subscribe("g", "c1", R"(["t1"])");
  ASSERT_EQ(fetch("g", "c1").size(), 5u);
  ASSERT_EQ(post(base("g", "c1") + "/positions/beginning",
                 R"({"partitions":[{"topic":"t1","partition":0}]})", k_v2)
                ->status,
            204);
  EXPECT_EQ(fetch("g", "c1").size(), 5u);
  ASSERT_EQ(post(base("g", "c1") + "/positions",
                 R"({"offsets":[{"topic":"t1","partition":0,"offset":3}]})", k_v2)
                ->status,
            204);
  EXPECT_EQ(fetch("g", "c1").size(), 2u);
  auto bad = post(base("g", "c1") + "/positions/end",
                  R"({"partitions":[{"topic":"t3","partition":0}]})", k_v2);
  ASSERT_TRUE(bad);
  EXPECT_EQ(error_code(bad), 40903);
}

TEST_F(ConsumerApi, UnknownOrDeletedInstanceIs40403) {
  auto r = cli_->Get((base("g", "ghost") + "/records").c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_code(r), 40403);
  create("g", "c1");
  auto d = cli_->Delete(base("g", "c1").c_str());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 204);
  auto after = post(base("g", "c1") + "/subscription", R"({"topics":["t1"]})", k_v2);
  ASSERT_TRUE(after);
  EXPECT_EQ(error_code(after), 40403);
}

TEST_F(ConsumerApi, InvalidRequestsGetTheirCodes) {
  create("g", "c1");
  auto dup = post("/consumers/g", R"({"name":"c1"})", k_v2);
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->status, 409);
  EXPECT_EQ(error_code(dup), 40902);
  auto fmt = post("/consumers/g", R"({"name":"c2","format":"avro"})", k_v2);
  ASSERT_TRUE(fmt);
  EXPECT_EQ(error_code(fmt), 42204);
  auto reset = post("/consumers/g", R"({"name":"c3","auto.offset.reset":"sometimes"})", k_v2);
  ASSERT_TRUE(reset);
  EXPECT_EQ(error_code(reset), 42204);
  auto notjson = post("/consumers/g", "{name", k_v2);
  ASSERT_TRUE(notjson);
  EXPECT_EQ(error_code(notjson), 400);
  auto ct = post("/consumers/g", R"({"name":"c4"})", "text/plain");
  ASSERT_TRUE(ct);
  EXPECT_EQ(error_code(ct), 415);
  auto unsub = cli_->Get((base("g", "c1") + "/records").c_str());
  ASSERT_TRUE(unsub);
  EXPECT_EQ(error_code(unsub), 40903);
  auto unknown = post(base("g", "c1") + "/subscription", R"({"topics":["missing"]})", k_v2);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(error_code(unknown), 40401);
  auto shape = post(base("g", "c1") + "/subscription", R"({"topic":"t1"})", k_v2);
  ASSERT_TRUE(shape);
  EXPECT_EQ(error_code(shape), 42201);
  subscribe("g", "c1", R"(["t1"])");
  auto badoff = post(base("g", "c1") + "/offsets",
                     R"({"offsets":[{"topic":"t1","partition":0,"offset":-1}]})", k_v2);
  ASSERT_TRUE(badoff);
  EXPECT_EQ(error_code(badoff), 42201);
  EXPECT_TRUE(log_->committed_offsets("g").empty());
}

TEST_F(ConsumerApi, SubscriptionCanBeReadAndDeleted) {
  create("g", "c1");
  subscribe("g", "c1", R"(["t1","t3"])");
  auto s = cli_->Get((base("g", "c1") + "/subscription").c_str());
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["topics"], json::parse(R"(["t1","t3"])"));
  auto a = cli_->Get((base("g", "c1") + "/assignments").c_str());
  ASSERT_TRUE(a);
  EXPECT_EQ(body_of(a)["partitions"].size(), 4u);
  ASSERT_EQ(cli_->Delete((base("g", "c1") + "/subscription").c_str())->status, 204);
  EXPECT_EQ(body_of(cli_->Get((base("g", "c1") + "/subscription").c_str()))["topics"].size(), 0u);
}
