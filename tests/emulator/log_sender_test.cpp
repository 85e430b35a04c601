// log_sender into a real (in-memory) log: records land in the right topics and partitions,
// and the manifest matches the log exactly (nothing lost, nothing duplicated).
#include "pipeline/emulator/log_sender.hpp"

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/emulator/emulator.hpp"
#include "pipeline/emulator/kinesis_hash.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/emulator/fixture.hpp"

using namespace pinpipe;
using namespace pinpipe::emulator;
using namespace pinpipe::emulator::testing;

namespace {

const std::string uid = "0a60b9a8a831";

void create_destinations(logclient::log_client& log, mode m, int32_t partitions) {
  for (table t : {table::pin, table::geo, table::user}) {
    storage::topic_config cfg;
    cfg.partitions = partitions;
    cfg.is_stream = m == mode::stream;
    ASSERT_TRUE(log.create_topic(destination_name(uid, m, t), cfg).ok());
  }
}

std::vector<storage::stored_record> all_records(logclient::log_client& log, const std::string& topic,
                                                int32_t p) {
  std::vector<storage::stored_record> out;
  offset_t from{0};
  for (;;) {
    auto r = log.fetch(topic, partition_id{p}, from, 1 << 20);
    EXPECT_TRUE(r.ok());
    if (!r || r->records.empty()) return out;
    for (auto& rec : r->records)
      out.push_back(rec);
    from = offset_t{out.back().offset.get() + 1};
  }
}

int64_t row_key(const std::string& json) {
  auto j = nlohmann::json::parse(json);
  return j.contains("index") ? j["index"].get<int64_t>() : j["ind"].get<int64_t>();
}

emulator_options fast_options(mode m, const std::string& manifest, int64_t events) {
  emulator_options o;
  o.uid = uid;
  o.m = m;
  o.events = events;
  o.course_timing = false;
  o.seed = 100;
  o.key_max = 299;
  o.manifest_path = manifest;
  return o;
}

} // namespace

TEST(LogSender, BatchEventsLandInUidTopicsAndTheManifestMatchesTheLog) {
  temp_dir dir;
  auto src = make_source(dir, 300);
  auto log = logclient::make_memory_log_client();
  create_destinations(*log, mode::batch, 1);
  log_sender sender(*log);
  pinpipe::emulator::emulator em(*src, sender,
                                 fast_options(mode::batch, dir.file("manifest.csv"), 120));
  ASSERT_TRUE(em.init_status().ok()) << em.init_status().to_string();
  std::atomic<bool> stop{false};
  ASSERT_TRUE(em.run(stop).ok());
  EXPECT_EQ(em.stats().events_sent, 120);

  auto lines = read_manifest(dir.file("manifest.csv"));
  ASSERT_EQ(lines.size(), 360u);
  std::set<std::tuple<std::string, int32_t, std::string>> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    EXPECT_EQ(l.event, static_cast<int64_t>(i / 3));
    const char* order[] = {".pin", ".geo", ".user"};
    EXPECT_EQ(l.destination, uid + order[i % 3]) << "pin, geo, user in that order";
    EXPECT_TRUE(seen.insert({l.destination, l.partition, l.position}).second) << "duplicate";
    auto rec =
        log->fetch(l.destination, partition_id{l.partition}, offset_t{std::stoll(l.position)}, 1);
    ASSERT_TRUE(rec.ok() && !rec->records.empty());
    EXPECT_EQ(rec->records[0].offset.get(), std::stoll(l.position));
    EXPECT_EQ(row_key(rec->records[0].rec.value), l.key);
    EXPECT_FALSE(rec->records[0].rec.key.has_value()) << "batch records have no key";
  }
  // Nothing beyond what the manifest lists.
  for (table t : {table::pin, table::geo, table::user})
    EXPECT_EQ(all_records(*log, destination_name(uid, mode::batch, t), 0).size(), 120u);
}

TEST(LogSender, StreamRecordsGoToTheMd5ShardOfTheirRowKey) {
  temp_dir dir;
  auto src = make_source(dir, 300);
  auto log = logclient::make_memory_log_client();
  create_destinations(*log, mode::stream, 5);
  log_sender sender(*log);
  pinpipe::emulator::emulator em(*src, sender, fast_options(mode::stream, dir.file("m.csv"), 200));
  std::atomic<bool> stop{false};
  ASSERT_TRUE(em.run(stop).ok());

  std::set<int32_t> used;
  size_t total = 0;
  for (table t : {table::pin, table::geo, table::user}) {
    const std::string stream = destination_name(uid, mode::stream, t);
    EXPECT_EQ(stream, "streaming-" + uid + "-" + to_string(t));
    for (int32_t p = 0; p < 5; ++p)
      for (auto& r : all_records(*log, stream, p)) {
        const int64_t key = row_key(r.rec.value);
        ASSERT_TRUE(r.rec.key.has_value());
        EXPECT_EQ(*r.rec.key, std::to_string(key));
        EXPECT_EQ(p, kinesis_shard(std::to_string(key), 5)) << "key " << key;
        used.insert(p);
        ++total;
      }
  }
  EXPECT_EQ(total, 600u);
  EXPECT_EQ(used.size(), 5u);
  for (const auto& l : read_manifest(dir.file("m.csv")))
    EXPECT_EQ(l.partition, kinesis_shard(std::to_string(l.key), 5));
}

TEST(LogSender, SeveralValuesInOneSendKeepTheirOrderAcrossPartitions) {
  auto log = logclient::make_memory_log_client();
  create_destinations(*log, mode::stream, 5);
  log_sender sender(*log);
  std::vector<std::string> values;
  for (int k = 0; k < 30; ++k)
    values.push_back("{\"ind\":" + std::to_string(k) + ",\"v\":\"x\"}");
  const std::string stream = destination_name(uid, mode::stream, table::geo);
  auto sent = sender.send(stream, mode::stream, values);
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  ASSERT_EQ(sent->size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto r = log->fetch(stream, (*sent)[i].partition, offset_t{std::stoll((*sent)[i].position)}, 1);
    ASSERT_TRUE(r.ok() && !r->records.empty());
    EXPECT_EQ(r->records[0].rec.value, values[i]);
  }
}

TEST(LogSender, UnknownTopicIsAnErrorThatSaysHowToCreateIt) {
  auto log = logclient::make_memory_log_client();
  log_sender sender(*log);
  auto r = sender.send("nope.pin", mode::batch, {"{\"index\":1}"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("topics create"), std::string::npos);
}
