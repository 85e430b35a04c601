// pipeline/emulator/broker_sender against a real `pinpipe node`: records land at the offsets
// it reports, on the Kinesis shard of their key, and a retry of a send whose reply was lost is answered with
// the original offsets instead of storing the records twice (idempotent produce).
#include <thread>

#include <gtest/gtest.h>

#include "pipeline/emulator/broker_sender.hpp"
#include "pipeline/emulator/kinesis_hash.hpp"
#include "tests/node/node_process.hpp"

using namespace pinpipe;
using namespace pinpipe::test;

namespace {

const std::string pin_topic = "0a60b9a8a831.pin";
const std::string pin_stream = "streaming-0a60b9a8a831-pin";

class BrokerSender : public ::testing::Test {
protected:
  temp_dir dir;
  node_process node;
  std::unique_ptr<emulator::broker_sender> sender;
  std::unique_ptr<transport::client> probe;

  void SetUp() override {
    ASSERT_TRUE(node.start(dir.path + "/data")) << node.stderr_text();
    transport::client_options o;
    o.endpoint = node.endpoint();
    auto c = transport::client::connect(o);
    ASSERT_TRUE(c.ok());
    sender = std::make_unique<emulator::broker_sender>(std::move(*c), emulator::broker_sender::options{});
    auto p = transport::client::connect(o);
    ASSERT_TRUE(p.ok());
    probe = std::move(*p);
  }
  int64_t high_watermark(const std::string& topic, int32_t partition) {
    auto r = transport::request(
        *probe, messages::describe_topic_request{messages::protocol_version, topic}, 5000);
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return -1;
    return r->topic.partitions.at(static_cast<size_t>(partition)).high_watermark.get();
  }
  std::string value_at(const std::string& topic, int32_t partition, int64_t offset) {
    messages::fetch_request f;
    f.topic = topic;
    f.partition = partition_id{partition};
    f.offset = offset_t{offset};
    auto r = transport::request(*probe, f, 5000);
    EXPECT_TRUE(r.ok() && !r->records.empty());
    return r.ok() && !r->records.empty() ? r->records.front().record.value : "";
  }
};

TEST_F(BrokerSender, RecordsLandAtTheReportedOffsetsOnTheirKeysShard) {
  std::vector<std::string> values;
  for (int key : {3, 17, 42, 99, 1000})
    values.push_back("{\"index\": " + std::to_string(key) + ", \"title\": \"t" +
                     std::to_string(key) + "\"}");
  auto sent = sender->send(pin_stream, emulator::mode::stream, values);
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  ASSERT_EQ(sent->size(), values.size());
  auto shards = sender->partitions_of(pin_stream);
  ASSERT_TRUE(shards.ok());
  EXPECT_EQ(*shards, 5);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& r = (*sent)[i];
    EXPECT_EQ(r.partition.get(),
              emulator::kinesis_shard(emulator::stream_partition_key(values[i]), 5));
    EXPECT_EQ(value_at(pin_stream, r.partition.get(), std::stoll(r.position)), values[i]);
  }
}

TEST_F(BrokerSender, RetryAfterALostReplyIsNotStoredTwice) {
  auto first = sender->send(pin_topic, emulator::mode::batch, {"{\"index\": 1}"});
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->front().position, "0");

  // The request goes out but the reply is not waited for: looks failed to the sender.
  sender->set_timeout_ms(0);
  auto lost = sender->send(pin_topic, emulator::mode::batch, {"{\"index\": 2}"});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code(), errc::timeout);
  sender->set_timeout_ms(10000);
  // Wait until the node has stored it, so the retry really is a duplicate.
  for (int i = 0; i < 100 && high_watermark(pin_topic, 0) < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(high_watermark(pin_topic, 0), 2);

  auto retry = sender->send(pin_topic, emulator::mode::batch, {"{\"index\": 2}"});
  ASSERT_TRUE(retry.ok()) << retry.error().to_string();
  EXPECT_EQ(retry->front().position, "1") << "the retry was not matched with the stored batch";
  EXPECT_EQ(high_watermark(pin_topic, 0), 2) << "the retried record was stored twice";

  auto next = sender->send(pin_topic, emulator::mode::batch, {"{\"index\": 3}"});
  ASSERT_TRUE(next.ok()) << next.error().to_string();
  EXPECT_EQ(next->front().position, "2");
}

TEST_F(BrokerSender, UnknownDestinationIsAnErrorThatSaysWhatToDo) {
  auto r = sender->send("no-such-topic", emulator::mode::batch, {"{\"index\": 1}"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("pinpipe topics create"), std::string::npos)
      << r.error().message();
}

} // namespace
