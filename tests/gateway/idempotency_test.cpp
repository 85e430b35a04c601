// Rule: an HTTP produce retried with the same Idempotency-Key stores its records once and
// gets the original reply (same offsets); a different key stores again; the same key with
// another body is refused (422). REST Proxy, API Gateway and native Kinesis routes, over a
// real gateway on 127.0.0.1.
#include "tests/gateway/gateway_fixture.hpp"

#include <thread>

#include "gateway/idempotency.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

using Idempotency = gateway_fixture;

namespace {
const std::string k_body = R"({"records":[{"value":{"n":1}},{"value":{"n":2}}]})";
}

TEST_F(Idempotency, RestProduceRetryWithTheSameKeyStoresOnceAndRepliesTheSame) {
  httplib::Headers key_a{{"Idempotency-Key", "req-a"}};
  auto first = cli_->Post("/topics/t1", key_a, k_body, k_json_v2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  auto retry = cli_->Post("/topics/t1", key_a, k_body, k_json_v2);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  EXPECT_EQ(retry->body, first->body);
  EXPECT_EQ(stored("t1").size(), 2u);
  EXPECT_EQ(gw_->stats().idempotent_replays, 1);

  httplib::Headers key_b{{"Idempotency-Key", "req-b"}};
  auto other = cli_->Post("/topics/t1", key_b, k_body, k_json_v2);
  ASSERT_TRUE(other);
  ASSERT_EQ(other->status, 200);
  EXPECT_NE(other->body, first->body);
  EXPECT_EQ(stored("t1").size(), 4u);
  EXPECT_EQ(body_of(other)["offsets"][0]["offset"], 2);

  // Without a key every request stores (the documented default).
  ASSERT_EQ(post("/topics/t1", k_body, k_json_v2)->status, 200);
  ASSERT_EQ(post("/topics/t1", k_body, k_json_v2)->status, 200);
  EXPECT_EQ(stored("t1").size(), 8u);
}

TEST_F(Idempotency, KeyReusedWithADifferentBodyIs422AndStoresNothing) {
  httplib::Headers key{{"Idempotency-Key", "k1"}};
  ASSERT_EQ(cli_->Post("/topics/t1", key, k_body, k_json_v2)->status, 200);
  auto reused = cli_->Post("/topics/t1", key, R"({"records":[{"value":3}]})", k_json_v2);
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->status, 422);
  EXPECT_EQ(error_code(reused), 42210);
  EXPECT_NE(reused->body.find("different request"), std::string::npos) << reused->body;
  EXPECT_EQ(stored("t1").size(), 2u);
  // The same key on another topic is another key.
  auto elsewhere = cli_->Post("/topics/t3/partitions/0", key, k_body, k_json_v2);
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 200);
  auto too_long = cli_->Post("/topics/t1", {{"Idempotency-Key", std::string(300, 'k')}}, k_body,
                             k_json_v2);
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 400);
  EXPECT_NE(too_long->body.find("Idempotency-Key"), std::string::npos);
}

TEST_F(Idempotency, AFailedProduceIsNotRememberedSoTheRetryRuns) {
  httplib::Headers key{{"Idempotency-Key", "k-bad"}};
  auto bad = cli_->Post("/topics/nope", key, k_body, k_json_v2);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 404);
  ASSERT_TRUE(log_->create_topic("nope", storage::topic_config{}).ok());
  auto retry = cli_->Post("/topics/nope", key, k_body, k_json_v2);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200) << retry->body;
  EXPECT_EQ(stored("nope").size(), 2u);
}

TEST_F(Idempotency, ConcurrentRetriesWithOneKeyStoreOnce) {
  std::vector<std::string> bodies(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", gw_->port());
      auto r = c.Post("/topics/t1", {{"Idempotency-Key", "same"}}, k_body, k_json_v2);
      if (r) bodies[i] = r->body;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(stored("t1").size(), 2u);
  for (const auto& b : bodies)
    EXPECT_EQ(b, bodies[0]);
}

TEST_F(Idempotency, KinesisPutRecordAndApiGatewayRoutesHonourTheKey) {
  httplib::Headers h{{"X-Amz-Target", "Kinesis_20131202.PutRecord"}, {"Idempotency-Key", "p1"}};
  const std::string put = R"({"StreamName":"s5","Data":"aGk=","PartitionKey":"k"})";
  auto a = cli_->Post("/", h, put, "application/x-amz-json-1.1");
  auto b = cli_->Post("/", h, put, "application/x-amz-json-1.1");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(a->body, b->body);
  auto shard = body_of(a)["ShardId"].get<std::string>();
  const int32_t p = std::stoi(shard.substr(shard.size() - 4));
  EXPECT_EQ(stored("s5", p).size(), 1u);

  httplib::Headers k2{{"Idempotency-Key", "p2"}};
  const std::string rec = R"({"Data":{"x":1},"PartitionKey":"k"})";
  auto c = cli_->Put("/streams/s5/record", k2, rec, "application/json");
  auto d = cli_->Put("/streams/s5/record", k2, rec, "application/json");
  ASSERT_TRUE(c && d);
  ASSERT_EQ(c->status, 200) << c->body;
  EXPECT_EQ(c->body, d->body);
  EXPECT_EQ(stored("s5", p).size(), 2u);
  auto e = cli_->Put("/streams/s5/record", k2, R"({"Data":{"x":2},"PartitionKey":"k"})",
                     "application/json");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 422);
  EXPECT_EQ(kinesis_type(e), "InvalidArgumentException");
  EXPECT_EQ(stored("s5", p).size(), 2u);
}

TEST(IdempotencyCache, KeysAreBoundedPerScopeAndExpire) {
  idempotency_cache cache(/*window_ms=*/200, /*keys_per_scope=*/3);
  int runs = 0;
  auto produce = [&] {
    ++runs;
    reply r;
    r.body = std::to_string(runs);
    return r;
  };
  for (int i = 0; i < 5; ++i)
    cache.run("t", "k" + std::to_string(i), "fp", produce);
  EXPECT_EQ(cache.size(), 3u); // k0 and k1 were forgotten, oldest first
  EXPECT_EQ(cache.run("t", "k4", "fp", produce).how, idempotency_cache::outcome::replayed);
  EXPECT_EQ(cache.run("t", "k0", "fp", produce).how, idempotency_cache::outcome::produced);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(cache.run("t", "k4", "fp", produce).how, idempotency_cache::outcome::produced);
}
