// Crash safety of acks=all through the whole node: a producer process (crash_producer)
// sends numbered records with acks=all and logs every acknowledged number; the node is
// killed with SIGKILL at a seeded random moment and restarted on the same data dir.
// Every acknowledged record must be read back intact, in order, with offsets dense from 0.
#include <iostream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/node/crash_records.hpp"
#include "tests/node/node_process.hpp"
#include "transport/client.hpp"

namespace pinpipe {
namespace {

namespace m = pinpipe::messages;

std::string helper_bin() {
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path() / "crash_producer").string();
}

std::vector<long long> read_numbers(const std::string& path) {
  std::vector<long long> out;
  std::istringstream in(test::read_file(path));
  for (long long n; in >> n;)
    out.push_back(n);
  return out;
}

// Every record of the partition, checking dense offsets and intact values on the way.
std::vector<long long> read_back(const std::string& endpoint, const std::string& topic) {
  transport::client_options o;
  o.endpoint = endpoint;
  auto c = transport::client::connect(o);
  EXPECT_TRUE(c.ok());
  std::vector<long long> numbers;
  for (;;) {
    m::fetch_request req{m::protocol_version,
                         topic,
                         partition_id{0},
                         offset_t{static_cast<int64_t>(numbers.size())},
                         1 << 20,
                         0};
    auto f = transport::request(**c, req, 10000);
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    if (!f.ok()) break;
    EXPECT_EQ(f->error, errc::ok) << f->message;
    if (f->records.empty()) break;
    for (const auto& r : f->records) {
      EXPECT_EQ(r.offset, offset_t{static_cast<int64_t>(numbers.size())}) << "offsets not dense";
      long long n = test::crash_record_number(r.record.value);
      EXPECT_GE(n, 0) << "damaged record at offset " << r.offset;
      numbers.push_back(n);
    }
  }
  return numbers;
}

TEST(CrashTest, EveryAcknowledgedRecordSurvivesSigkillOfTheNode) {
  test::temp_dir tmp;
  const std::string data = tmp.file("data");
  const std::string topic = "crash";
  std::mt19937 rng(20240611);
  std::vector<long long> acked_all;
  constexpr int rounds = 4;
  test::node_process node;
  ASSERT_TRUE(node.start(data)) << node.stderr_text();
  {
    transport::client_options o;
    o.endpoint = node.endpoint();
    auto c = transport::client::connect(o);
    ASSERT_TRUE(c.ok());
    m::create_topic_request req;
    req.name = topic;
    auto r = transport::request(**c, req, 5000);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->error, errc::ok) << r->message;
  }
  for (int round = 0; round < rounds; ++round) {
    // Produce until killed.
    const std::string ack_log = tmp.file("acks-" + std::to_string(round));
    int out_fd = -1;
    pid_t producer = test::spawn({helper_bin(), node.endpoint(), topic,
                                  std::to_string(round * 1000000LL), "1000000", ack_log},
                                 &out_fd, tmp.file("producer.err"));
    ASSERT_GT(producer, 0);
    std::uniform_int_distribution<int> delay(200, 900);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
    EXPECT_EQ(node.stop(SIGKILL), 128 + SIGKILL);
    int st = 0;
    waitpid(producer, &st, 0); // it gives up after its 2 s request timeout
    close(out_fd);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) << "producer should stop on the crash";
    auto acked = read_numbers(ack_log);
    EXPECT_GT(acked.size(), 0u) << "round " << round << " acknowledged nothing; "
                                << test::read_file(tmp.file("producer.err"));
    acked_all.insert(acked_all.end(), acked.begin(), acked.end());
    std::cout << "round " << round << ": " << acked.size() << " records acknowledged before "
              << "SIGKILL" << std::endl;

    // Restart on the same data dir and check everything acknowledged so far.
    ASSERT_TRUE(node.start(data)) << node.stderr_text();
    auto stored = read_back(node.endpoint(), topic);
    ASSERT_GE(stored.size(), acked_all.size()) << "round " << round;
    // Numbers only grow: the log holds them in produce order.
    for (size_t i = 1; i < stored.size(); ++i)
      ASSERT_LT(stored[i - 1], stored[i]) << "out of order at offset " << i;
    // Every acknowledged number is there (unacknowledged ones may be too).
    size_t j = 0;
    for (long long n : stored)
      if (j < acked_all.size() && acked_all[j] == n) ++j;
    EXPECT_EQ(j, acked_all.size())
        << "acknowledged record " << acked_all[j] << " is missing after round " << round;
  }
  node.stop(SIGTERM);
}

} // namespace
} // namespace pinpipe
