// The same behaviour checks against both log_client implementations: local over a real
// file log in a temp dir, remote against a real `pinpipe node` process.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "logclient/local_log_client.hpp"
#include "logclient/remote_log_client.hpp"
#include "tests/node/node_process.hpp"

namespace pinpipe::logclient {
namespace {

struct local_setup {
  test::temp_dir dir;
  std::unique_ptr<log_client> client;
  bool start() {
    log_config cfg;
    cfg.dir = dir.file("log");
    cfg.preallocate = false;
    auto c = open_local_log(cfg);
    if (!c) return false;
    client = std::move(*c);
    return true;
  }
};

struct remote_setup {
  test::temp_dir dir;
  test::node_process node;
  std::unique_ptr<log_client> client;
  bool start() {
    if (!node.start(dir.file("data"))) return false;
    remote_options o;
    o.endpoint = node.endpoint();
    o.timeout_ms = 5000;
    auto c = remote_log_client::connect(o);
    if (!c) return false;
    client = std::move(*c);
    return true;
  }
};

template <class S> class log_client_test : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(setup_.start()) << "could not start the log"; }
  log_client& c() { return *setup_.client; }
  S setup_;
};

using implementations = ::testing::Types<local_setup, remote_setup>;
TYPED_TEST_SUITE(log_client_test, implementations);

partition_id P(int32_t p) { return partition_id{p}; }
offset_t O(int64_t o) { return offset_t{o}; }

produce_request batch(const std::string& topic, std::vector<std::string> values,
                      acks a = acks::leader) {
  produce_request r;
  r.topic = topic;
  r.required_acks = a;
  for (auto& v : values) {
    record rec;
    rec.key = "k-" + v;
    rec.value = std::move(v);
    rec.headers.emplace_back("h", "1");
    r.records.push_back(std::move(rec));
  }
  return r;
}

TYPED_TEST(log_client_test, produce_fetch_round_trip_keeps_keys_values_headers) {
  auto& c = this->c();
  ASSERT_TRUE(c.create_topic("rt", topic_config{2}).ok());
  auto req = batch("rt", {"a", "b", "c"});
  req.partition = P(1);
  auto pr = produce_sync(c, req);
  ASSERT_TRUE(pr.st.ok()) << pr.st.to_string();
  EXPECT_EQ(pr.base_offset, O(0));
  EXPECT_EQ(pr.last_offset, O(2));
  auto f = c.fetch("rt", P(1), O(0), 1 << 20);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  ASSERT_EQ(f->records.size(), 3u);
  EXPECT_EQ(f->high_watermark, O(3));
  EXPECT_EQ(f->records[1].offset, O(1));
  EXPECT_EQ(f->records[1].rec.value, "b");
  EXPECT_EQ(*f->records[1].rec.key, "k-b");
  EXPECT_EQ(f->records[1].rec.headers, req.records[1].headers);
  // fetch_each sees the same records as views; partition 0 stayed empty.
  std::vector<std::string> seen;
  auto fe = c.fetch_each("rt", P(1), O(1), 1 << 20, [&](const record_view& v) {
    seen.emplace_back(v.value);
    return true;
  });
  ASSERT_TRUE(fe.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(c.fetch("rt", P(0), O(0), 1 << 20)->records.empty());
  EXPECT_EQ(*c.list_offset("rt", P(1), offset_spec::latest, 0), O(3));
  EXPECT_EQ(*c.list_offset("rt", P(1), offset_spec::earliest, 0), O(0));
}

TYPED_TEST(log_client_test, every_acks_level_is_answered_with_offsets) {
  auto& c = this->c();
  ASSERT_TRUE(c.create_topic("acks", topic_config{}).ok());
  int64_t expect = 0;
  for (auto a : {acks::none, acks::leader, acks::all}) {
    auto pr = produce_sync(c, batch("acks", {"x", "y"}, a));
    ASSERT_TRUE(pr.st.ok()) << pr.st.to_string();
    EXPECT_EQ(pr.base_offset, O(expect));
    EXPECT_EQ(pr.last_offset, O(expect + 1));
    expect += 2;
  }
  EXPECT_EQ(*c.list_offset("acks", P(0), offset_spec::latest, 0), O(6));
}

TYPED_TEST(log_client_test, idempotent_retry_is_not_appended_twice) {
  auto& c = this->c();
  ASSERT_TRUE(c.create_topic("idem", topic_config{}).ok());
  auto req = batch("idem", {"one", "two"}, acks::all);
  req.producer_id = 77;
  req.base_sequence = 0;
  auto first = produce_sync(c, req);
  ASSERT_TRUE(first.st.ok()) << first.st.to_string();
  EXPECT_FALSE(first.duplicate);
  auto retry = produce_sync(c, req);
  ASSERT_TRUE(retry.st.ok()) << retry.st.to_string();
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, first.base_offset);
  EXPECT_EQ(retry.last_offset, first.last_offset);
  EXPECT_EQ(c.fetch("idem", P(0), O(0), 1 << 20)->records.size(), 2u);
  // A gap in the sequence is refused, with its code.
  req.base_sequence = 5;
  auto gap = produce_sync(c, req);
  EXPECT_EQ(gap.st.code(), errc::out_of_order_sequence) << gap.st.to_string();
}

TYPED_TEST(log_client_test, missing_topic_keeps_its_error_code) {
  auto& c = this->c();
  auto d = c.describe_topic("nope");
  ASSERT_FALSE(d.ok());
  const errc missing = d.error().code();
  EXPECT_TRUE(missing == errc::unknown_topic || missing == errc::not_found)
      << d.error().to_string();
  auto f = c.fetch("nope", P(0), O(0), 1024);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code(), errc::unknown_topic) << f.error().to_string();
  auto pr = produce_sync(c, batch("nope", {"x"}));
  EXPECT_EQ(pr.st.code(), errc::unknown_topic) << pr.st.to_string();
  EXPECT_EQ(c.delete_topic("nope").code(), missing);
  EXPECT_EQ(c.create_topic("bad/name", topic_config{}).code(),
            validate_topic_name("bad/name").code());
}

TYPED_TEST(log_client_test, create_list_describe_delete) {
  auto& c = this->c();
  topic_config cfg;
  cfg.partitions = 3;
  cfg.is_stream = true;
  ASSERT_TRUE(c.create_topic("t1", cfg).ok());
  EXPECT_EQ(c.create_topic("t1", cfg).code(), errc::topic_exists);
  auto d = c.describe_topic("t1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions.size(), 3u);
  EXPECT_TRUE(d->config.is_stream);
  EXPECT_GT(d->config.incarnation, 0);
  bool listed = false;
  for (const auto& t : c.list_topics())
    listed = listed || t.name == "t1";
  EXPECT_TRUE(listed);
  ASSERT_TRUE(c.delete_topic("t1").ok());
  for (const auto& t : c.list_topics())
    EXPECT_NE(t.name, "t1");
  EXPECT_FALSE(c.describe_topic("t1").ok());
}

TYPED_TEST(log_client_test, group_offsets_commit_and_read_back) {
  auto& c = this->c();
  ASSERT_TRUE(c.create_topic("g", topic_config{2}).ok());
  std::vector<group_offset> offs{{"g", P(0), O(5), "meta"}, {"g", P(1), O(7), ""}};
  ASSERT_TRUE(c.commit_offsets("grp", offs).ok());
  auto back = c.committed_offsets("grp");
  ASSERT_EQ(back.size(), 2u);
  std::sort(back.begin(), back.end(),
            [](const group_offset& a, const group_offset& b) { return a.partition < b.partition; });
  EXPECT_EQ(back[0].offset, O(5));
  EXPECT_EQ(back[0].metadata, "meta");
  EXPECT_EQ(back[1].offset, O(7));
  EXPECT_TRUE(c.committed_offsets("other").empty());
}

TYPED_TEST(log_client_test, watch_fires_after_a_produce_and_not_after_cancel) {
  auto& c = this->c();
  ASSERT_TRUE(c.create_topic("w", topic_config{}).ok());
  std::atomic<int> fired{0}, cancelled_fired{0};
  c.watch("w", P(0), O(0), [&] { ++fired; });
  auto cancelled = c.watch("w", P(0), O(0), [&] { ++cancelled_fired; });
  c.cancel_watch(cancelled);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(fired.load(), 0); // nothing at offset 0 yet
  ASSERT_TRUE(produce_sync(c, batch("w", {"x"})).st.ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (fired.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(fired.load(), 1);
  EXPECT_EQ(cancelled_fired.load(), 0);
}

TEST(remote_log_client, unreachable_node_is_an_error_not_a_hang) {
  remote_options o;
  o.endpoint = "tcp://127.0.0.1:1"; // nothing listens there
  o.timeout_ms = 2000;
  auto c = remote_log_client::connect(o);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->describe_topic("x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().code() == errc::unavailable || r.error().code() == errc::timeout)
      << r.error().to_string();
  EXPECT_FALSE((*c)->try_list_topics().ok());
}

} // namespace
} // namespace pinpipe::logclient
