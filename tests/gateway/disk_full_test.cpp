// The gateway on a full disk (issue 15): a real file log on an 8 MiB tmpfs
// (tests/storage/small_fs.hpp) behind a real gateway on 127.0.0.1. Produces over HTTP fill
// it; then every write route answers 507 Insufficient Storage with a JSON error naming
// disk_full (REST Proxy: error_code 50701; Kinesis, native and API Gateway: the AWS shape
// {"__type":"InternalFailure","message":"disk_full: ..."}), reads keep working, and once
// space is freed the same requests succeed with no restart.
#include <optional>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "gateway/codec.hpp"
#include "gateway/gateway.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/storage/small_fs.hpp"

namespace pinpipe::gateway::test {
namespace {

using json = nlohmann::ordered_json;
using pinpipe::test::small_fs;
using pinpipe::test::write_filler;
constexpr const char* k_json_v2 = "application/vnd.kafka.json.v2+json";

class GatewayDiskFull : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs_.ok()) GTEST_SKIP() << "no small file system to fill: " << fs_.reason();
    storage::log_config cfg;
    cfg.dir = fs_.path() + "/log";
    auto log = logclient::open_local_log(cfg);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    log_ = std::move(*log);
    ASSERT_TRUE(log_->create_topic("t1", {}).ok());
    storage::topic_config stream;
    stream.partitions = 1;
    stream.is_stream = true;
    ASSERT_TRUE(log_->create_topic("s1", stream).ok());
    gateway_options opt;
    opt.host = "127.0.0.1";
    opt.port = 0;
    gw_ = std::make_unique<gateway>(*log_, opt);
    auto st = gw_->start();
    ASSERT_TRUE(st.ok()) << st.to_string();
    cli_ = std::make_unique<httplib::Client>("127.0.0.1", gw_->port());
    cli_->set_read_timeout(10, 0);
  }
  void TearDown() override {
    cli_.reset();
    gw_.reset();
    log_.reset(); // closes the log before the file system goes
  }
  httplib::Result produce(const std::string& value) {
    return cli_->Post("/topics/t1", json{{"records", {{{"value", value}}}}}.dump(), k_json_v2);
  }
  httplib::Result put_record(const std::string& data) {
    httplib::Headers h{{"X-Amz-Target", "Kinesis_20131202.PutRecord"}};
    json p{{"StreamName", "s1"}, {"Data", base64_encode(data)}, {"PartitionKey", "k"}};
    return cli_->Post("/", h, p.dump(), "application/x-amz-json-1.1");
  }
  httplib::Result put_records(const std::string& data) {
    httplib::Headers h{{"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
    json p{{"StreamName", "s1"},
           {"Records", {{{"Data", base64_encode(data)}, {"PartitionKey", "k"}}}}};
    return cli_->Post("/", h, p.dump(), "application/x-amz-json-1.1");
  }
  httplib::Result apigw_put(const std::string& data) {
    return cli_->Put("/streams/s1/record", json{{"Data", data}, {"PartitionKey", "k"}}.dump(),
                     "application/json");
  }
  static void expect_507_kinesis(const httplib::Result& r, const char* what) {
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->status, 507) << what << ": " << r->body;
    auto j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << what << ": " << r->body;
    EXPECT_EQ(j.value("__type", ""), "InternalFailure") << what;
    EXPECT_EQ(j.value("message", "").rfind("disk_full: ", 0), 0u) << what << ": " << r->body;
  }

  small_fs fs_{8LL << 20};
  std::unique_ptr<logclient::local_log_client> log_;
  std::unique_ptr<gateway> gw_;
  std::unique_ptr<httplib::Client> cli_;
};

TEST_F(GatewayDiskFull, WritesGet507NamingDiskFullReadsWorkAndFreeingSpaceNeedsNoRestart) {
  const std::string filler = fs_.path() + "/filler";
  ASSERT_GT(write_filler(filler, fs_.free_bytes() - (256 << 10)), 0);
  const std::string value(4000, 'v');
  int stored = 0;
  std::optional<httplib::Response> full;
  for (int i = 0; i < 400; ++i) { // about 70 fit in 256 KiB
    auto r = produce(value);
    ASSERT_TRUE(r);
    if (r->status != 200) {
      full = *r;
      break;
    }
    ++stored;
  }
  ASSERT_TRUE(full.has_value()) << "the disk never filled up";
  ASSERT_GT(stored, 0);
  EXPECT_EQ(full->status, 507) << full->body;
  auto body = json::parse(full->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << full->body;
  EXPECT_EQ(body.value("error_code", 0), 50701);
  EXPECT_EQ(body.value("message", "").rfind("disk_full: ", 0), 0u) << full->body;
  EXPECT_NE(body.value("message", "").find("bytes free"), std::string::npos) << full->body;

  // Take whatever the refused write gave back, then every write route is refused alike
  // (16 KB each: a few bytes could still go into the segment's last, partly used page).
  write_filler(fs_.path() + "/filler2", 8LL << 20);
  const std::string big(16000, 'b');
  auto again = produce(big);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 507) << again->body;
  expect_507_kinesis(put_record(big), "PutRecord");
  expect_507_kinesis(put_records(big), "PutRecords");
  expect_507_kinesis(apigw_put(big), "API Gateway PUT record");

  // Reads and listings still work, and show exactly what was acknowledged.
  auto list = cli_->Get("/topics");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  auto hw = log_->list_offset("t1", partition_id{0}, storage::offset_spec::latest, 0);
  ASSERT_TRUE(hw.ok());
  EXPECT_EQ(hw->get(), stored);
  auto f = log_->fetch("t1", partition_id{0}, offset_t{0}, 8 << 20);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(static_cast<int>(f->records.size()), stored);

  // Space freed: the same requests succeed, same process, same gateway.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  ASSERT_EQ(::unlink((fs_.path() + "/filler2").c_str()), 0);
  auto ok = produce(value);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(json::parse(ok->body)["offsets"][0]["offset"].get<int>(), stored);
  auto rec = put_record("x");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->status, 200) << rec->body;
  auto recs = put_records("x");
  ASSERT_TRUE(recs);
  EXPECT_EQ(recs->status, 200) << recs->body;
  EXPECT_EQ(json::parse(recs->body)["FailedRecordCount"].get<int>(), 0) << recs->body;
  auto apigw = apigw_put("x");
  ASSERT_TRUE(apigw);
  EXPECT_EQ(apigw->status, 200) << apigw->body;
}

} // namespace
} // namespace pinpipe::gateway::test
