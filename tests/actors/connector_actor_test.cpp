// The connector actor (batch path: log -> lake) on CAF's deterministic test coordinator,
// over the in-memory log and a real lake directory: objects named by their first offset,
// each record in exactly one object, resuming after the last complete object.
#include "actors/connector_actor.hpp"

#include <fstream>
#include <sstream>

#include "pipeline/lake/lake_layout.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/pipeline_util.hpp"

namespace pinpipe::actors {
namespace {

using namespace testing;
namespace fs = std::filesystem;

const std::string pin_topic = uid + ".pin";

class ConnectorActor : public actor_test {
protected:
  std::unique_ptr<logclient::local_log_client> log = logclient::make_memory_log_client();

  caf::actor start_connector() {
    connector_options o;
    o.uid = uid;
    o.writer.lake_dir = dir.file("lake");
    o.writer.flush_size = 3;
    o.writer.rotate_interval_ms = 0; // no wall-clock rotation: objects depend on records only
    o.thread = actor_thread::shared;
    return track(spawn_connector(sys, *log, o));
  }

  void stop(const caf::actor& a) {
    self->send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  std::string partition_dir() const {
    return dir.file("lake") + "/" + lake::partition_dir_key(pin_topic, 0);
  }

  /// The file names in the partition directory, sorted.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(partition_dir(), ec))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> lines_of(int64_t start) const {
    std::ifstream in(partition_dir() + "/" + lake::object_file_name(pin_topic, 0, start));
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }

  void produce_users(int64_t from, int64_t to) {
    std::vector<std::string> values;
    for (int64_t i = from; i < to; ++i)
      values.push_back(user_json(i));
    produce(*log, pin_topic, 0, values);
  }

  std::vector<std::string> expected(int64_t from, int64_t to) const {
    std::vector<std::string> out;
    for (int64_t i = from; i < to; ++i)
      out.push_back(user_json(i));
    return out;
  }

  std::string name(int64_t start) const { return lake::object_file_name(pin_topic, 0, start); }
};

TEST_F(ConnectorActor, WritesFullObjectsNamedByTheirFirstOffset) {
  create(*log, pin_topic, 1, /*stream=*/false);
  produce_users(0, 10);
  auto conn = start_connector();
  run();
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3), name(6)}))
      << "offset 9 waits for two more records (flush_size 3)";
  EXPECT_EQ(lines_of(0), expected(0, 3));
  EXPECT_EQ(lines_of(3), expected(3, 6));
  EXPECT_EQ(lines_of(6), expected(6, 9));
  auto st = ask<actor_stats>(conn, stats_atom::value);
  ASSERT_TRUE(st.ok()) << st.error;
  EXPECT_EQ(st.value.items, 10);
  EXPECT_EQ(st.value.objects, 3);
}

TEST_F(ConnectorActor, FlushWritesThePartlyFullObject) {
  create(*log, pin_topic, 1, /*stream=*/false);
  produce_users(0, 4);
  auto conn = start_connector();
  run();
  EXPECT_EQ(files(), (std::vector<std::string>{name(0)}));
  auto objects = ask<int64_t>(conn, flush_atom::value);
  ASSERT_TRUE(objects.ok()) << objects.error;
  EXPECT_EQ(objects.value, 2);
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3)}));
  EXPECT_EQ(lines_of(3), expected(3, 4));
}

TEST_F(ConnectorActor, ARestartedConnectorResumesAfterTheLastObjectAndRewritesNothing) {
  create(*log, pin_topic, 1, /*stream=*/false);
  produce_users(0, 7);
  auto first = start_connector();
  run();
  stop(first); // shutdown writes the partly full object (offset 6)
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3), name(6)}));
  EXPECT_EQ(lines_of(6), expected(6, 7));
  auto before = fs::last_write_time(partition_dir() + "/" + name(0));

  produce_users(7, 12);
  // A leftover of a crash while an object was being written: deleted, never read.
  std::ofstream(partition_dir() + "/" + lake::temp_file_name(name(7))) << "half an object";
  auto second = start_connector();
  run();
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3), name(6), name(7)}));
  EXPECT_EQ(lines_of(7), expected(7, 10));
  stop(second);
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3), name(6), name(7), name(10)}));
  // Every record in exactly one object, in offset order.
  std::vector<std::string> all;
  for (int64_t start : {0, 3, 6, 7, 10})
    for (auto& l : lines_of(start))
      all.push_back(l);
  EXPECT_EQ(all, expected(0, 12));
  EXPECT_EQ(fs::last_write_time(partition_dir() + "/" + name(0)), before)
      << "objects already written are not rewritten";
}

TEST_F(ConnectorActor, AnUnwritableLakeIsReportedAndRetriedWithoutLosingRecords) {
  create(*log, pin_topic, 1, /*stream=*/false);
  produce_users(0, 6);
  // The lake directory is a plain file: no object can be written.
  std::ofstream(dir.file("lake")) << "not a directory";
  auto conn = start_connector();
  run();
  auto st = ask<actor_stats>(conn, stats_atom::value);
  ASSERT_TRUE(st.ok()) << st.error;
  EXPECT_GE(st.value.errors, 1);
  EXPECT_NE(st.value.last_error.find(dir.file("lake")), std::string::npos)
      << "the error names the path: " << st.value.last_error;
  EXPECT_EQ(st.value.objects, 0);

  fs::remove(dir.file("lake"));
  fire_timeouts(); // the next poll, after idle_poll of simulated time
  EXPECT_EQ(files(), (std::vector<std::string>{name(0), name(3)}));
  std::vector<std::string> all;
  for (int64_t start : {0, 3})
    for (auto& l : lines_of(start))
      all.push_back(l);
  EXPECT_EQ(all, expected(0, 6));
}

} // namespace
} // namespace pinpipe::actors
