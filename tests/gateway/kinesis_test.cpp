// Kinesis over real HTTP: the API Gateway routes the course configures and the native JSON
// 1.1 API (what boto3 speaks): shapes, shard placement by MD5, sequence numbers, iterators.
#include "tests/gateway/gateway_fixture.hpp"

#include "gateway/codec.hpp"
#include "gateway/kinesis_ids.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

using Kinesis = gateway_fixture;

TEST_F(Kinesis, ApiGatewayPutRecordStoresJsonTextOfDataOnTheMd5Shard) {
  std::string body =
      R"({"StreamName":"s5","Data":{"index":1,"title":"T","downloaded":1},"PartitionKey":"partition-1"})";
  auto r = cli_->Put("/streams/s5/record", body, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_of(r);
  int32_t shard = shard_for_hash(hash_key_of("partition-1"), 5);
  EXPECT_EQ(j["ShardId"], shard_id_string(shard));
  EXPECT_EQ(j["SequenceNumber"], encode_sequence_number(shard, 0));
  auto recs = stored("s5", shard);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].rec.value, R"({"index":1,"title":"T","downloaded":1})");
  EXPECT_EQ(recs[0].rec.key.value_or(""), "partition-1");
}

TEST_F(Kinesis, ApiGatewayPutRecordsAnswersOnePerRecordInOrder) {
  auto r = cli_->Put(
      "/streams/s5/records",
      R"({"records":[{"data":{"a":1},"partition-key":"k1"},{"data":"txt","partition-key":"k2"},{"data":{"a":3},"partition-key":"k1"}]})",
      "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_of(r);
  EXPECT_EQ(j["FailedRecordCount"], 0);
  ASSERT_EQ(j["Records"].size(), 3u);
  int32_t s1 = shard_for_hash(hash_key_of("k1"), 5);
  EXPECT_EQ(j["Records"][0]["SequenceNumber"], encode_sequence_number(s1, 0));
  EXPECT_EQ(j["Records"][2]["SequenceNumber"], encode_sequence_number(s1, 1));
  auto recs = stored("s5", s1);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].rec.value, R"({"a":3})");
}

TEST_F(Kinesis, ApiGatewayStreamAdminRoutes) {
  auto c = cli_->Post("/streams/streaming-x-pin", "{}", "application/json");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->status, 200) << c->body;
  auto t = log_->describe_topic("streaming-x-pin");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->config.is_stream);
  EXPECT_EQ(t->partitions.size(), 5u); // default shard count
  ASSERT_EQ(cli_->Post("/streams/two", R"({"ShardCount":2})", "application/json")->status, 200);
  auto l = cli_->Get("/streams");
  ASSERT_TRUE(l);
  auto lj = body_of(l);
  EXPECT_EQ(lj["HasMoreStreams"], false);
  EXPECT_EQ(lj["StreamNames"], json::parse(R"(["s5","streaming-x-pin","two"])"));
  auto d = cli_->Get("/streams/two");
  ASSERT_TRUE(d);
  auto dj = body_of(d)["StreamDescription"];
  EXPECT_EQ(dj["StreamStatus"], "ACTIVE");
  ASSERT_EQ(dj["Shards"].size(), 2u);
  EXPECT_EQ(dj["Shards"][1]["HashKeyRange"]["StartingHashKey"],
            "170141183460469231731687303715884105728");
  auto dup = cli_->Post("/streams/two", "{}", "application/json");
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->status, 400);
  EXPECT_EQ(kinesis_type(dup), "ResourceInUseException");
  ASSERT_EQ(cli_->Delete("/streams/two")->status, 200);
  EXPECT_FALSE(log_->describe_topic("two").ok());
}

TEST_F(Kinesis, ApiGatewayErrorsUseTheKinesisShape) {
  auto unknown =
      cli_->Put("/streams/nope/record", R"({"Data":{},"PartitionKey":"p"})", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(kinesis_type(unknown), "ResourceNotFoundException");
  auto plain =
      cli_->Put("/streams/t1/record", R"({"Data":{},"PartitionKey":"p"})", "application/json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(kinesis_type(plain), "ResourceNotFoundException"); // a plain topic is not a stream
  auto nokey = cli_->Put("/streams/s5/record", R"({"Data":{"a":1}})", "application/json");
  ASSERT_TRUE(nokey);
  EXPECT_EQ(kinesis_type(nokey), "ValidationException");
  auto nodata = cli_->Put("/streams/s5/record", R"({"PartitionKey":"p"})", "application/json");
  ASSERT_TRUE(nodata);
  EXPECT_EQ(kinesis_type(nodata), "ValidationException");
  auto bad = cli_->Put("/streams/s5/record", R"({"Data":)", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(kinesis_type(bad), "SerializationException");
  // JSON, a NUL byte and junk: the bytes after the value are refused and named.
  auto junk = cli_->Put("/streams/s5/record",
                        std::string(R"({"Data":{},"PartitionKey":"p"})") + '\0' + "junk!",
                        "application/json");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->status, 400) << junk->body;
  EXPECT_EQ(kinesis_type(junk), "SerializationException");
  EXPECT_NE(body_of(junk).value("message", "").find("6 bytes after the JSON value"),
            std::string::npos)
      << junk->body;
  httplib::Headers target{{"X-Amz-Target", "Kinesis_20131202.PutRecord"}};
  auto native = cli_->Post(
      "/", target,
      std::string(R"({"StreamName":"s5","Data":"eA==","PartitionKey":"p"})") + '\0' + "{}",
      "application/x-amz-json-1.1");
  ASSERT_TRUE(native);
  EXPECT_EQ(native->status, 400) << native->body;
  EXPECT_EQ(kinesis_type(native), "SerializationException");
  EXPECT_NE(body_of(native).value("message", "").find("3 bytes after the JSON value"),
            std::string::npos)
      << native->body;
  auto badcount = cli_->Post("/streams/x", R"({"ShardCount":0})", "application/json");
  ASSERT_TRUE(badcount);
  EXPECT_EQ(kinesis_type(badcount), "ValidationException");
  for (int p = 0; p < 5; ++p)
    EXPECT_TRUE(stored("s5", p).empty());
}

TEST_F(Kinesis, NativePutThenGetRecordsReadsBackInOrder) {
  ASSERT_EQ(kinesis("CreateStream", {{"StreamName", "n1"}, {"ShardCount", 1}})->status, 200);
  std::vector<std::string> seqs;
  for (int i = 0; i < 5; ++i) {
    auto r = kinesis("PutRecord", {{"StreamName", "n1"},
                                   {"Data", base64_encode("payload-" + std::to_string(i))},
                                   {"PartitionKey", "pk"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    seqs.push_back(body_of(r)["SequenceNumber"].get<std::string>());
  }
  auto it = kinesis("GetShardIterator", {{"StreamName", "n1"},
                                         {"ShardId", "shardId-000000000000"},
                                         {"ShardIteratorType", "TRIM_HORIZON"}});
  ASSERT_TRUE(it);
  ASSERT_EQ(it->status, 200) << it->body;
  auto g = kinesis("GetRecords", {{"ShardIterator", body_of(it)["ShardIterator"]}, {"Limit", 3}});
  ASSERT_TRUE(g);
  ASSERT_EQ(g->status, 200) << g->body;
  auto gj = body_of(g);
  ASSERT_EQ(gj["Records"].size(), 3u);
  EXPECT_EQ(*base64_decode(gj["Records"][0]["Data"].get<std::string>()), "payload-0");
  EXPECT_EQ(gj["Records"][2]["SequenceNumber"], seqs[2]);
  EXPECT_EQ(gj["Records"][0]["PartitionKey"], "pk");
  EXPECT_GT(gj["MillisBehindLatest"].get<int64_t>(), -1);
  auto g2 = kinesis("GetRecords", {{"ShardIterator", gj["NextShardIterator"]}});
  auto g2j = body_of(g2);
  ASSERT_EQ(g2j["Records"].size(), 2u);
  EXPECT_EQ(g2j["Records"][1]["SequenceNumber"], seqs[4]);
  EXPECT_EQ(g2j["MillisBehindLatest"], 0);
  auto g3 = kinesis("GetRecords", {{"ShardIterator", g2j["NextShardIterator"]}});
  EXPECT_EQ(body_of(g3)["Records"].size(), 0u);
  // AT / AFTER sequence number and LATEST.
  auto at = kinesis("GetShardIterator", {{"StreamName", "n1"},
                                         {"ShardId", "shardId-000000000000"},
                                         {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                                         {"StartingSequenceNumber", seqs[3]}});
  auto atr = body_of(kinesis("GetRecords", {{"ShardIterator", body_of(at)["ShardIterator"]}}));
  ASSERT_EQ(atr["Records"].size(), 2u);
  EXPECT_EQ(atr["Records"][0]["SequenceNumber"], seqs[3]);
  auto after = kinesis("GetShardIterator", {{"StreamName", "n1"},
                                            {"ShardId", "shardId-000000000000"},
                                            {"ShardIteratorType", "AFTER_SEQUENCE_NUMBER"},
                                            {"StartingSequenceNumber", seqs[3]}});
  auto afr = body_of(kinesis("GetRecords", {{"ShardIterator", body_of(after)["ShardIterator"]}}));
  ASSERT_EQ(afr["Records"].size(), 1u);
  EXPECT_EQ(afr["Records"][0]["SequenceNumber"], seqs[4]);
  auto latest = kinesis(
      "GetShardIterator",
      {{"StreamName", "n1"}, {"ShardId", "shardId-000000000000"}, {"ShardIteratorType", "LATEST"}});
  EXPECT_EQ(body_of(kinesis("GetRecords",
                            {{"ShardIterator", body_of(latest)["ShardIterator"]}}))["Records"]
                .size(),
            0u);
}

TEST_F(Kinesis, NativePutRecordsListAndDescribe) {
  json recs = json::array();
  for (int i = 0; i < 20; ++i) {
    recs.push_back({{"Data", base64_encode("r" + std::to_string(i))},
                    {"PartitionKey", "key-" + std::to_string(i)}});
  }
  auto r = kinesis("PutRecords", {{"StreamName", "s5"}, {"Records", recs}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_of(r);
  EXPECT_EQ(j["FailedRecordCount"], 0);
  ASSERT_EQ(j["Records"].size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(j["Records"][i]["ShardId"],
              shard_id_string(shard_for_hash(hash_key_of("key-" + std::to_string(i)), 5)));
  }
  auto l = body_of(kinesis("ListStreams", json::object()));
  EXPECT_EQ(l["StreamNames"], json::parse(R"(["s5"])"));
  auto d = body_of(kinesis("DescribeStream", {{"StreamName", "s5"}}));
  EXPECT_EQ(d["StreamDescription"]["Shards"].size(), 5u);
  auto s = body_of(kinesis("DescribeStreamSummary", {{"StreamName", "s5"}}));
  EXPECT_EQ(s["StreamDescriptionSummary"]["OpenShardCount"], 5);
  auto ls = body_of(kinesis("ListShards", {{"StreamName", "s5"}}));
  EXPECT_EQ(ls["Shards"].size(), 5u);
}

TEST_F(Kinesis, NativeErrorsUseKinesisTypes) {
  EXPECT_EQ(kinesis_type(kinesis("FlyToMoon", json::object())), "UnknownOperationException");
  EXPECT_EQ(kinesis_type(kinesis("DescribeStream", {{"StreamName", "missing"}})),
            "ResourceNotFoundException");
  EXPECT_EQ(kinesis_type(kinesis("DescribeStream", {{"StreamName", "t1"}})),
            "ResourceNotFoundException");
  EXPECT_EQ(kinesis_type(kinesis("CreateStream", {{"StreamName", "s5"}, {"ShardCount", 1}})),
            "ResourceInUseException");
  EXPECT_EQ(kinesis_type(kinesis("PutRecord",
                                 {{"StreamName", "s5"}, {"Data", "%%%"}, {"PartitionKey", "p"}})),
            "SerializationException");
  EXPECT_EQ(kinesis_type(kinesis("PutRecord", {{"StreamName", "s5"}, {"Data", "AA=="}})),
            "ValidationException");
  EXPECT_EQ(kinesis_type(kinesis("GetRecords", {{"ShardIterator", "garbage"}})),
            "InvalidArgumentException");
  EXPECT_EQ(kinesis_type(kinesis("GetShardIterator",
                                 {{"StreamName", "s5"},
                                  {"ShardId", "shardId-000000000001"},
                                  {"ShardIteratorType", "AT_SEQUENCE_NUMBER"},
                                  {"StartingSequenceNumber", encode_sequence_number(0, 0)}})),
            "InvalidArgumentException");
  EXPECT_EQ(kinesis_type(kinesis("GetShardIterator", {{"StreamName", "s5"},
                                                      {"ShardId", "shardId-000000000009"},
                                                      {"ShardIteratorType", "LATEST"}})),
            "ResourceNotFoundException");
  EXPECT_EQ(kinesis_type(kinesis(
                "GetShardIterator",
                {{"StreamName", "s5"}, {"ShardId", "0"}, {"ShardIteratorType", "SOMETIME"}})),
            "ValidationException");
  httplib::Headers h{{"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
  auto bad = cli_->Post("/", h, "{not json", "application/x-amz-json-1.1");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(kinesis_type(bad), "SerializationException");
}

TEST_F(Kinesis, NativeApiAcceptsTheSigV4AccessKeyAsApiKey) {
  gateway_options opt;
  opt.api_keys = {"AKIDPINPIPE"};
  start_gateway(opt);
  EXPECT_EQ(kinesis("ListStreams", json::object())->status, 403);
  httplib::Headers h{
      {"X-Amz-Target", "Kinesis_20131202.ListStreams"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIDPINPIPE/20240101/us-east-1/kinesis/aws4_request, "
       "SignedHeaders=host, Signature=00"}};
  auto ok = cli_->Post("/", h, "{}", "application/x-amz-json-1.1");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}
