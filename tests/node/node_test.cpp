// The node as a real process: the log API through the transport client and the CLI, bad
// input at the front door, and long-poll fetches.
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/node/node_process.hpp"
#include "transport/client.hpp"

namespace pinpipe {
namespace {

namespace m = pinpipe::messages;
using test::node_process;
using test::run_cli;

class NodeTest : public ::testing::Test {
protected:
  void start(const std::string& config_text = {}) {
    std::vector<std::string> extra;
    if (!config_text.empty()) {
      test::write_file(tmp_.file("pinpipe.toml"), config_text);
      extra = {"--config", tmp_.file("pinpipe.toml")};
    }
    ASSERT_TRUE(node_.start(tmp_.file("data"), extra)) << node_.stderr_text();
    client_ = make_client();
  }
  std::unique_ptr<transport::client> make_client() {
    transport::client_options o;
    o.endpoint = node_.endpoint();
    auto c = transport::client::connect(o);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  void create(const std::string& name, int partitions) {
    m::create_topic_request req;
    req.name = name;
    req.config.partitions = partitions;
    auto r = transport::request(*client_, req, 5000);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->error, errc::ok) << r->message;
  }
  m::produce_response produce(const std::string& topic, int partition,
                              std::vector<m::wire_record> recs, int8_t acks = 1) {
    m::produce_request req;
    req.topic = topic;
    req.partition = partition_id{partition};
    req.records = std::move(recs);
    req.acks = acks;
    auto r = transport::request(*client_, req, 5000);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r ? *r : m::produce_response{};
  }
  m::fetch_response fetch(const std::string& topic, int partition, int64_t offset) {
    m::fetch_request req{m::protocol_version, topic,   partition_id{partition},
                         offset_t{offset},    1 << 20, 0};
    auto r = transport::request(*client_, req, 5000);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r ? *r : m::fetch_response{};
  }
  // A valid request still works: the node kept serving.
  void expect_still_serving() {
    auto r = transport::request(*client_, m::list_topics_request{}, 5000);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->error, errc::ok);
    EXPECT_FALSE(r->topics.empty());
  }
  std::vector<std::string> broker() { return {"--broker", node_.endpoint()}; }
  std::vector<std::string> args(std::vector<std::string> a) {
    a.insert(a.end(), {"--broker", node_.endpoint()});
    return a;
  }

  test::temp_dir tmp_;
  node_process node_;
  std::unique_ptr<transport::client> client_;
};

m::wire_record rec(const std::string& value, const std::string& key = {}) {
  m::wire_record r;
  r.has_key = !key.empty();
  r.key = key;
  r.value = value;
  r.timestamp_ms = 1700000000000;
  r.headers = {{"source", "node_test"}};
  return r;
}

TEST_F(NodeTest, ReadyLineNamesIdEndpointAndDataDir) {
  start();
  EXPECT_EQ(node_.ready_line(),
            "pinpipe node 1 serving on " + node_.endpoint() + " (data " + tmp_.file("data") + ")");
}

TEST_F(NodeTest, DefaultTopicsAndStreamsExistOnFirstStart) {
  start("[pipeline]\nuser_id = \"00112233aabb\"\nstream_shards = 3\n");
  auto r = transport::request(*client_, m::list_topics_request{}, 5000);
  ASSERT_TRUE(r.ok());
  std::map<std::string, m::wire_topic_info> by_name;
  for (const auto& t : r->topics)
    by_name[t.name] = t;
  for (const char* kind : {"pin", "geo", "user"}) {
    auto topic = std::string("00112233aabb.") + kind;
    auto stream = std::string("streaming-00112233aabb-") + kind;
    ASSERT_TRUE(by_name.count(topic)) << topic;
    ASSERT_TRUE(by_name.count(stream)) << stream;
    EXPECT_FALSE(by_name[topic].config.is_stream);
    EXPECT_EQ(by_name[topic].partitions.size(), 1u);
    EXPECT_TRUE(by_name[stream].config.is_stream);
    EXPECT_EQ(by_name[stream].partitions.size(), 3u);
  }
}

TEST_F(NodeTest, ProducedRecordsAreFetchedBackIntactWithDenseOffsets) {
  start();
  create("orders", 2);
  std::vector<m::wire_record> batch;
  for (int i = 0; i < 100; ++i)
    batch.push_back(rec("value-" + std::to_string(i), i % 2 ? "k" + std::to_string(i) : ""));
  auto p = produce("orders", 1, batch, -1);
  ASSERT_EQ(p.error, errc::ok) << p.message;
  EXPECT_EQ(p.base_offset, offset_t{0});
  EXPECT_EQ(p.last_offset, offset_t{99});
  auto more = produce("orders", 1, {rec("tail")});
  EXPECT_EQ(more.base_offset, offset_t{100});

  std::vector<m::wire_stored_record> got;
  while (got.size() < 101) {
    auto f = fetch("orders", 1, static_cast<int64_t>(got.size()));
    ASSERT_EQ(f.error, errc::ok) << f.message;
    ASSERT_FALSE(f.records.empty());
    EXPECT_EQ(f.high_watermark, offset_t{101});
    got.insert(got.end(), f.records.begin(), f.records.end());
  }
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, offset_t{static_cast<int64_t>(i)});
    auto expect = i < 100 ? batch[i] : rec("tail");
    EXPECT_EQ(got[i].record.value, expect.value);
    EXPECT_EQ(got[i].record.has_key, expect.has_key);
    EXPECT_EQ(got[i].record.key, expect.key);
    EXPECT_EQ(got[i].record.headers, expect.headers);
    EXPECT_EQ(got[i].record.timestamp_ms, expect.timestamp_ms);
  }
  EXPECT_TRUE(fetch("orders", 0, 0).records.empty()); // the other partition is untouched
}

TEST_F(NodeTest, CliProduceThenConsumeRoundTripsLinesAndGroupResumes) {
  start();
  auto created = run_cli(args({"topics", "create", "lines", "--partitions", "2"}));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto produced = run_cli(args({"produce", "lines", "--partition", "1", "--acks", "all"}),
                          "first\nsecond\nthird\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  auto all =
      run_cli(args({"consume", "lines", "-p", "1", "--from-beginning", "--timeout-ms", "500"}));
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "first\nsecond\nthird\n");

  auto two = run_cli(
      args({"consume", "lines", "-p", "1", "--from-beginning", "--group", "g", "--count", "2"}));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.out, "first\nsecond\n");
  auto rest = run_cli(args({"consume", "lines", "-p", "1", "--group", "g", "--timeout-ms", "300"}));
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(rest.out, "third\n");
}

TEST_F(NodeTest, CliTopicsCreateListDescribeDelete) {
  start("[log]\ndefault_partitions = 2\n");
  auto c = run_cli(args({"topics", "create", "clicks", "--partitions", "3", "--stream"}));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto l = run_cli(args({"topics", "list"}));
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find("clicks partitions=3 stream\n"), std::string::npos) << l.out;
  auto d = run_cli(args({"topics", "describe", "clicks"}));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("topic clicks (stream) partitions=3"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("partition 2 log_start=0 high_watermark=0"), std::string::npos) << d.out;
  auto plain = run_cli(args({"topics", "create", "views"})); // [log] default_partitions
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(run_cli(args({"topics", "list"})).out.find("views partitions=2\n"), std::string::npos);
  auto dup = run_cli(args({"topics", "create", "clicks"}));
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("error: topic_exists"), std::string::npos) << dup.err;
  auto del = run_cli(args({"topics", "delete", "clicks"}));
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto gone = run_cli(args({"topics", "describe", "clicks"}));
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("error: unknown_topic"), std::string::npos) << gone.err;
}

TEST_F(NodeTest, CliWithoutANodeFailsWithAnErrorThatSaysWhatToDo) {
  auto r = run_cli({"topics", "list", "--broker", "tcp://127.0.0.1:1"});
  // Nothing listens there: the CLI says so at once (transport_process_test times it).
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("error: unavailable: no node answering at tcp://127.0.0.1:1"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("is `pinpipe node` running?"), std::string::npos) << r.err;
  auto bad = run_cli({"produce", "t", "--acks", "2", "--broker", "tcp://127.0.0.1:1"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("error: --acks 2 is not valid (use 0, 1 or all)"), std::string::npos)
      << bad.err;
}

TEST_F(NodeTest, UnknownTopicGetsAClearErrorAndTheNodeKeepsServing) {
  start();
  auto p = produce("no-such-topic", 0, {rec("x")});
  EXPECT_EQ(p.error, errc::unknown_topic);
  EXPECT_NE(p.message.find("no-such-topic"), std::string::npos) << p.message;
  auto f = fetch("no-such-topic", 0, 0);
  EXPECT_EQ(f.error, errc::unknown_topic);
  expect_still_serving();
}

TEST_F(NodeTest, BadPartitionGetsAClearErrorAndTheNodeKeepsServing) {
  start();
  create("two", 2);
  auto p = produce("two", 7, {rec("x")});
  EXPECT_EQ(p.error, errc::unknown_partition) << p.message;
  EXPECT_FALSE(p.message.empty());
  auto f = fetch("two", -1, 0);
  EXPECT_EQ(f.error, errc::unknown_partition) << f.message;
  expect_still_serving();
}

// The node reads produce requests in one pass (messages/fast_codec); what that reader
// declines must still get the generic path's answer, and every acks level must work.
TEST_F(NodeTest, InvalidAcksGetsAClearErrorAndEveryValidAcksLevelIsAnswered) {
  start();
  create("acks", 1);
  auto bad = produce("acks", 0, {rec("x")}, 5);
  EXPECT_EQ(bad.error, errc::invalid_request) << bad.message;
  EXPECT_NE(bad.message.find("acks must be 0, 1 or -1 (all), got 5"), std::string::npos)
      << bad.message;
  int64_t next = 0;
  for (int8_t acks : {int8_t{0}, int8_t{1}, int8_t{-1}}) {
    auto ok = produce("acks", 0, {rec("a"), rec("b")}, acks);
    EXPECT_EQ(ok.error, errc::ok) << ok.message;
    EXPECT_EQ(ok.base_offset, offset_t{next}); // the refused request appended nothing
    EXPECT_EQ(ok.last_offset, offset_t{next + 1});
    next += 2;
  }
  EXPECT_EQ(fetch("acks", 0, 0).records.size(), 6u);
  expect_still_serving();
}

TEST_F(NodeTest, RecordOverMaxSizeIsRefusedAndTheNodeKeepsServing) {
  start("[log]\nmax_record_bytes = 1024\n");
  create("small", 1);
  auto p = produce("small", 0, {rec(std::string(4096, 'x'))});
  EXPECT_EQ(p.error, errc::record_too_large) << p.message;
  EXPECT_FALSE(p.message.empty());
  auto ok = produce("small", 0, {rec("fits")});
  EXPECT_EQ(ok.error, errc::ok) << ok.message;
  EXPECT_EQ(ok.base_offset, offset_t{0}); // nothing of the refused batch was appended
  expect_still_serving();
}

// Many one-record requests sent without waiting reach the node in bursts, which it may
// append as merged batches: each request must still get its own offset, in send order,
// and a bad request in the middle gets its error while the others are appended.
TEST_F(NodeTest, PipelinedProducesGetDenseOffsetsInOrderAndABadOneFailsAlone) {
  start("[log]\nmax_record_bytes = 1024\n");
  create("burst", 1);
  for (int8_t acks : {int8_t{1}, int8_t{-1}}) {
    constexpr int n = 300, bad = 150;
    std::map<uint64_t, int> sent; // correlation id -> request index
    for (int i = 0; i < n; ++i) {
      m::produce_request req;
      req.topic = "burst";
      req.acks = acks;
      req.records = {rec(i == bad ? std::string(4096, 'x') : "v" + std::to_string(i))};
      const uint64_t id = client_->next_correlation_id();
      ASSERT_TRUE(client_->send(m::make_envelope(req, id, "test", "broker")).ok());
      sent[id] = i;
    }
    std::vector<m::produce_response> got(n);
    for (int k = 0; k < n; ++k) {
      auto rep = client_->receive(10000);
      ASSERT_TRUE(rep.ok()) << rep.error().to_string();
      ASSERT_TRUE(sent.count(rep->correlation_id));
      auto r = m::open_envelope<m::produce_response>(*rep);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      got[sent[rep->correlation_id]] = *r;
    }
    const int64_t base = acks == 1 ? 0 : n - 1; // the second round follows the first
    int64_t expect = base;
    for (int i = 0; i < n; ++i) {
      if (i == bad) {
        EXPECT_EQ(got[i].error, errc::record_too_large) << got[i].message;
        continue;
      }
      ASSERT_EQ(got[i].error, errc::ok) << got[i].message;
      EXPECT_EQ(got[i].base_offset, offset_t{expect}) << "request " << i;
      EXPECT_EQ(got[i].last_offset, offset_t{expect}) << "request " << i;
      ++expect;
    }
    for (int64_t o = base; o < expect; o += 100) { // what is stored matches the offsets
      auto f = fetch("burst", 0, o);
      ASSERT_EQ(f.error, errc::ok) << f.message;
      ASSERT_FALSE(f.records.empty());
      const int64_t i = o - base < bad ? o - base : o - base + 1;
      EXPECT_EQ(f.records[0].record.value, "v" + std::to_string(i));
    }
  }
  expect_still_serving();
}

TEST_F(NodeTest, MalformedEnvelopeGetsAnErrorResponseAndTheNodeKeepsServing) {
  start();
  ASSERT_TRUE(client_->send_raw("this is not messagepack \xc1").ok());
  auto rep = client_->receive(5000);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  auto err = m::open_envelope<m::list_topics_response>(*rep);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code(), errc::malformed_message);
  // A well-formed envelope whose payload is garbage.
  m::envelope env;
  env.type = m::msg_type::produce_request;
  env.payload.data = "\x93\x01";
  auto bad_payload = client_->call(env, 5000);
  ASSERT_TRUE(bad_payload.ok());
  auto perr = m::open_envelope<m::produce_response>(*bad_payload);
  ASSERT_FALSE(perr.ok());
  EXPECT_EQ(perr.error().code(), errc::malformed_message);
  // A type the node does not serve.
  auto wrong = client_->call(m::make_envelope(m::fetch_response{}, 0), 5000);
  ASSERT_TRUE(wrong.ok());
  auto werr = m::open_envelope<m::fetch_response>(*wrong);
  ASSERT_FALSE(werr.ok());
  EXPECT_EQ(werr.error().code(), errc::invalid_request);
  expect_still_serving();
}

TEST_F(NodeTest, FutureVersionGetsUnsupportedVersionAndTheNodeKeepsServing) {
  start();
  auto env = m::make_envelope(m::list_topics_request{}, 0);
  env.version = m::protocol_version + 1;
  auto rep = client_->call(env, 5000);
  ASSERT_TRUE(rep.ok());
  auto err = m::open_envelope<m::list_topics_response>(*rep);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code(), errc::unsupported_version);
  // Current envelope, future payload version.
  m::list_topics_request future;
  future.version = m::protocol_version + 1;
  auto r2 = transport::request(*client_, future, 5000);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), errc::unsupported_version);
  expect_still_serving();
}

TEST_F(NodeTest, LongPollFetchIsAnsweredAsSoonAsARecordArrives) {
  start();
  create("live", 1);
  auto waiter = make_client();
  m::fetch_request req{m::protocol_version, "live", partition_id{0}, offset_t{0}, 1 << 20, 10000};
  auto env = m::make_envelope(req, 1);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(waiter->send(env).ok());
  EXPECT_FALSE(waiter->receive(300).ok()); // parked: nothing to read yet
  auto p = produce("live", 0, {rec("wake up")});
  ASSERT_EQ(p.error, errc::ok);
  auto rep = waiter->receive(5000);
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  auto f = m::open_envelope<m::fetch_response>(*rep);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->records.size(), 1u);
  EXPECT_EQ(f->records[0].record.value, "wake up");
  EXPECT_LT(waited, std::chrono::seconds(5)); // well before max_wait_ms
}

TEST_F(NodeTest, LongPollFetchEndsEmptyAtItsDeadline) {
  start();
  create("quiet", 1);
  m::fetch_request req{m::protocol_version, "quiet", partition_id{0}, offset_t{0}, 1 << 20, 400};
  auto t0 = std::chrono::steady_clock::now();
  auto r = transport::request(*client_, req, 5000);
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->error, errc::ok);
  EXPECT_TRUE(r->records.empty());
  EXPECT_GE(waited, std::chrono::milliseconds(350));
  EXPECT_LT(waited, std::chrono::milliseconds(3000));
}

TEST_F(NodeTest, NodeWithCurveKeysServesOnlyClientsThatKnowItsPublicKey) {
  auto keys = run_cli({"keygen"});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  auto value_of = [&](const std::string& name) {
    auto at = keys.out.find(name + " = \"");
    EXPECT_NE(at, std::string::npos) << keys.out;
    return at == std::string::npos ? std::string{} : keys.out.substr(at + name.size() + 4, 40);
  };
  const std::string pub = value_of("curve_public_key");
  const std::string sec = value_of("curve_secret_key");
  ASSERT_EQ(pub.size(), 40u);
  start("[node]\ncurve_public_key = \"" + pub + "\"\ncurve_secret_key = \"" + sec + "\"\n");
  // client_ (no key) gets no service at all; it is told so at once (the handshake fails).
  auto plain = transport::request(*client_, m::list_topics_request{}, 700);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), errc::unavailable) << plain.error().to_string();
  EXPECT_NE(plain.error().message().find("handshake"), std::string::npos);
  // The CLI with the server key works.
  auto listed = run_cli(args({"topics", "list", "--server-key", pub}));
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("0a60b9a8a831.pin"), std::string::npos) << listed.out;
}

TEST_F(NodeTest, SigtermShutsDownCleanlyAndDataSurvivesARestart) {
  start();
  create("kept", 1);
  ASSERT_EQ(produce("kept", 0, {rec("a"), rec("b")}, 1).error, errc::ok);
  EXPECT_EQ(node_.stop(SIGTERM), 0);
  ASSERT_TRUE(node_.start(tmp_.file("data"))) << node_.stderr_text();
  client_ = make_client();
  auto f = fetch("kept", 0, 0);
  ASSERT_EQ(f.error, errc::ok) << f.message;
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[1].record.value, "b");
}

} // namespace
} // namespace pinpipe
