// A full disk under a real `pinpipe node` process (issue 15): its data directory on an
// 8 MiB tmpfs (tests/storage/small_fs.hpp; skipped with the reason where it cannot be
// mounted). acks=all produces over ZeroMQ fill it; the refused one gets errc::disk_full with
// what to do, the node stays up and keeps answering listings and fetches with exactly the
// acknowledged records, node_stats reports the refusals, and after a filler file is
// deleted the next produce succeeds: no restart.
#include <chrono>
#include <optional>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "messages/control_api.hpp"
#include "tests/node/node_process.hpp"
#include "tests/storage/small_fs.hpp"
#include "transport/client.hpp"

namespace pinpipe {
namespace {

namespace m = pinpipe::messages;

m::produce_request batch_of(int first, int n, size_t size) {
  m::produce_request req;
  req.topic = "full";
  req.acks = -1;
  req.records.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& v = req.records[static_cast<size_t>(i)].value;
    v = "rec-" + std::to_string(first + i) + "-";
    v.resize(size, 'x');
  }
  return req;
}

TEST(DiskFullProcess, NodeRefusesWithDiskFullKeepsServingAndWritesAgainOnceFreed) {
  pinpipe::test::small_fs fs(8LL << 20);
  if (!fs.ok()) GTEST_SKIP() << "no small file system to fill: " << fs.reason();
  test::temp_dir tmp;
  test::write_file(tmp.file("pinpipe.toml"), "[console]\nlisten = \"\"\n");
  test::node_process node;
  ASSERT_TRUE(node.start(fs.path() + "/data", {"--config", tmp.file("pinpipe.toml")}))
      << node.stderr_text();
  transport::client_options o;
  o.endpoint = node.endpoint();
  o.name = "filler";
  auto c = transport::client::connect(o);
  ASSERT_TRUE(c.ok());
  m::create_topic_request ct;
  ct.name = "full";
  ct.config.partitions = 1;
  auto created = transport::request(**c, ct, 10000);
  ASSERT_TRUE(created.ok() && created->error == errc::ok);

  // Most of the space goes to a filler file; produces take the rest.
  const std::string filler = fs.path() + "/filler";
  ASSERT_GT(pinpipe::test::write_filler(filler, fs.free_bytes() - (512 << 10)), 0);
  int acked = 0;
  std::optional<m::produce_response> refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < 1000 && std::chrono::steady_clock::now() < deadline; ++i) {
    auto r = transport::request(**c, batch_of(acked, 4, 4000), 10000);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    if (r->error != errc::ok) {
      refused = *r;
      break;
    }
    ASSERT_EQ(r->base_offset.get(), acked);
    acked += 4;
  }
  ASSERT_TRUE(refused) << "the disk never filled up";
  ASSERT_GT(acked, 0);
  EXPECT_EQ(refused->error, errc::disk_full) << refused->message;
  EXPECT_NE(refused->message.find("bytes free on the file system"), std::string::npos)
      << refused->message;
  EXPECT_NE(refused->message.find("no restart needed"), std::string::npos) << refused->message;

  // Still up: listings and fetches, with exactly what was acknowledged.
  int wstatus = 0;
  ASSERT_EQ(::waitpid(node.pid(), &wstatus, WNOHANG), 0) << "the node exited: "
                                                         << node.stderr_tail();
  auto topics = transport::request(**c, m::list_topics_request{}, 5000);
  ASSERT_TRUE(topics.ok() && topics->error == errc::ok);
  int64_t fetched = 0;
  for (int round = 0; round < 100 && fetched < acked; ++round) {
    m::fetch_request f;
    f.topic = "full";
    f.offset = offset_t{fetched};
    f.max_bytes = 1 << 20;
    auto r = transport::request(**c, f, 5000);
    ASSERT_TRUE(r.ok() && r->error == errc::ok);
    if (r->records.empty()) break;
    for (const auto& rec : r->records) {
      ASSERT_EQ(rec.offset.get(), fetched);
      ASSERT_EQ(rec.record.value.rfind("rec-" + std::to_string(fetched) + "-", 0), 0u);
      ++fetched;
    }
    EXPECT_EQ(r->high_watermark.get(), acked);
  }
  EXPECT_EQ(fetched, acked);
  auto stats = transport::request(**c, m::node_stats_request{}, 5000);
  ASSERT_TRUE(stats.ok() && stats->error == errc::ok);
  EXPECT_GE(stats->disk_full_errors, 1);

  // Freed: the next produce is stored right after the last acknowledged one.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  auto again = transport::request(**c, batch_of(acked, 4, 4000), 10000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->error, errc::ok) << again->message;
  EXPECT_EQ(again->base_offset.get(), acked);
  node.stop(SIGTERM);
}

} // namespace
} // namespace pinpipe
