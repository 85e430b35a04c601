// `pinpipe gen-source` and `pinpipe emulate` as real processes against a real `pinpipe node`:
// the source file is written and protected, and every event an emulator reports in its
// manifest is in the log exactly once, at the offset the manifest names.
#include <set>

#include "pipeline/emulator/kinesis_hash.hpp"
#include "pipeline/warehouse/sql.hpp"
#include "tests/cli/cli_helpers.hpp"

namespace fs = std::filesystem;
using namespace pinpipe::test;

namespace {

constexpr int source_rows = 200;

// Rows of `table` in the SQLite file at db_path; -1 when it cannot be read.
int64_t table_rows(const std::string& db_path, const std::string& table) {
  auto db = pinpipe::warehouse::sql::open_readonly(db_path);
  if (!db) return -1;
  auto n = pinpipe::warehouse::sql::query_int(db->get(), "SELECT COUNT(*) FROM " + table, -1);
  return n ? *n : -1;
}

class Emulate : public ::testing::Test {
protected:
  temp_dir dir;
  std::string data() const { return dir.path + "/data"; }
  std::string config(const std::string& roles) {
    const auto path = dir.file("pinpipe.toml");
    write_file(path, "[node]\nroles = [" + roles +
                         "]\nlog_level = \"warn\"\n[gateway]\nlisten = \"127.0.0.1:0\"\n");
    return path;
  }
  void gen_source() {
    auto r = run_for({"gen-source", "--data-dir", data(), "--rows", std::to_string(source_rows)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  /// High watermark of each partition of `topic` (from `pinpipe topics describe`).
  std::vector<int64_t> high_watermarks(const cli_node& node, const std::string& topic) {
    auto r = run_for({"topics", "describe", topic, "--broker", node.endpoint()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<int64_t> hw;
    for (const auto& l : lines_of(r.out))
      if (auto at = l.find("high_watermark="); at != std::string::npos)
        hw.push_back(std::stoll(l.substr(at + 15)));
    return hw;
  }
  /// Every value of one partition, index = offset: `consume` from the beginning up to the
  /// high watermark (asserting that it read them all).
  std::vector<std::string> consume_all(const cli_node& node, const std::string& topic, int p,
                                       int64_t high_watermark) {
    if (high_watermark == 0) return {};
    auto r = run_for({"consume", topic, "--partition", std::to_string(p), "--from-beginning",
                      "--count", std::to_string(high_watermark), "--timeout-ms", "5000", "--broker",
                      node.endpoint()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto values = lines_of(r.out);
    EXPECT_EQ(static_cast<int64_t>(values.size()), high_watermark) << topic << "/" << p;
    return values;
  }
  /// Every manifest row of `topic` names an offset that holds the row's key, no offset twice,
  /// and the partition holds exactly the manifest's rows.
  void expect_manifest_matches_log(const cli_node& node, const std::vector<manifest_row>& rows,
                                   const std::string& topic, int partitions, int64_t expected) {
    int64_t total = 0;
    const auto hw = high_watermarks(node, topic);
    ASSERT_EQ(hw.size(), static_cast<size_t>(partitions)) << topic;
    for (int p = 0; p < partitions; ++p) {
      auto values = consume_all(node, topic, p, hw[static_cast<size_t>(p)]);
      std::set<int64_t> offsets;
      for (const auto& row : rows) {
        if (row.destination != topic || row.partition != p) continue;
        const int64_t off = std::stoll(row.position);
        EXPECT_TRUE(offsets.insert(off).second) << topic << " offset " << off << " twice";
        ASSERT_LT(off, static_cast<int64_t>(values.size())) << topic << "/" << p;
        const auto& v = values[static_cast<size_t>(off)];
        const int64_t key = v.find("\"index\"") != std::string::npos ? json_int_field(v, "index")
                                                                     : json_int_field(v, "ind");
        EXPECT_EQ(key, row.key) << topic << "/" << p << "@" << off << ": " << v;
      }
      EXPECT_EQ(offsets.size(), values.size())
          << "records in " << topic << "/" << p << " that the manifest does not name (duplicates?)";
      total += static_cast<int64_t>(values.size());
    }
    EXPECT_EQ(total, expected) << topic;
  }
};

TEST_F(Emulate, GenSourceWritesTheDatabaseAndRefusesToOverwriteIt) {
  auto r = run_for({"gen-source", "--data-dir", data(), "--rows", "50", "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto db = data() + "/source.db";
  ASSERT_TRUE(fs::exists(db));
  EXPECT_NE(r.out.find("50/50 rows"), std::string::npos) << r.out;
  for (const char* t : {"pinterest_data", "geolocation_data", "user_data"})
    EXPECT_EQ(table_rows(db, t), 50) << t;

  const auto before = read_file(db);
  auto again = run_for({"gen-source", "--data-dir", data(), "--rows", "80"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("error: "), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(db), before) << "the refused run changed the file";

  auto forced = run_for({"gen-source", "--data-dir", data(), "--rows", "80", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(table_rows(db, "user_data"), 80);
}

TEST_F(Emulate, DirectBatchEventsLandOnceAtTheManifestOffsets) {
  gen_source();
  cli_node node;
  ASSERT_TRUE(node.start(config("\"broker\""), data(), false)) << node.stderr_text();
  auto r = run_for({"emulate", "--mode", "batch", "--events", "30", "--transport", "direct",
                    "--data-dir", data(), "--key-max", std::to_string(source_rows - 1), "--seed",
                    "7", "--broker", node.endpoint()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("done: 30 events (90 records)"), std::string::npos) << r.out;
  auto rows = read_manifest(data() + "/manifests/batch.csv");
  ASSERT_EQ(rows.size(), 90u);
  for (const char* t : {"pin", "geo", "user"})
    expect_manifest_matches_log(node, rows, cli_uid + "." + t, 1, 30);
}

TEST_F(Emulate, DirectStreamEventsGoToTheirKinesisShardOnce) {
  gen_source();
  cli_node node;
  ASSERT_TRUE(node.start(config("\"broker\""), data(), false)) << node.stderr_text();
  auto r = run_for({"emulate", "--mode", "stream", "--events", "25", "--transport", "direct",
                    "--data-dir", data(), "--key-max", std::to_string(source_rows - 1), "--seed",
                    "11", "--broker", node.endpoint()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rows = read_manifest(data() + "/manifests/stream.csv");
  ASSERT_EQ(rows.size(), 75u);
  for (const auto& row : rows)
    EXPECT_EQ(row.partition, pinpipe::emulator::kinesis_shard(std::to_string(row.key), 5))
        << row.destination << " key " << row.key;
  for (const char* t : {"pin", "geo", "user"})
    expect_manifest_matches_log(node, rows, "streaming-" + cli_uid + "-" + t, 5, 25);
}

TEST_F(Emulate, HttpThroughTheNodesGatewayRoleLandsOnceAtTheManifestOffsets) {
  gen_source();
  cli_node node;
  ASSERT_TRUE(node.start(config("\"broker\", \"gateway\""), data(), true)) << node.stderr_text();
  ASSERT_EQ(node.gateway_url().rfind("http://127.0.0.1:", 0), 0u) << node.gateway_url();
  auto r = run_for({"emulate", "--mode", "batch", "--events", "20", "--transport", "http", "--url",
                    node.gateway_url(), "--data-dir", data(), "--key-max",
                    std::to_string(source_rows - 1), "--seed", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rows = read_manifest(data() + "/manifests/batch.csv");
  ASSERT_EQ(rows.size(), 60u);
  for (const char* t : {"pin", "geo", "user"})
    expect_manifest_matches_log(node, rows, cli_uid + "." + t, 1, 20);

  // The stream path through the gateway's Kinesis API: positions are sequence numbers.
  auto s = run_for({"emulate", "--mode", "stream", "--events", "10", "--transport", "http", "--url",
                    node.gateway_url(), "--data-dir", data(), "--key-max",
                    std::to_string(source_rows - 1), "--seed", "6"});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  auto srows = read_manifest(data() + "/manifests/stream.csv");
  ASSERT_EQ(srows.size(), 30u);
  std::set<std::string> positions;
  for (const auto& row : srows)
    EXPECT_TRUE(positions.insert(row.destination + "|" + row.position).second) << row.position;
  for (const char* t : {"pin", "geo", "user"}) {
    const std::string stream = "streaming-" + cli_uid + "-" + t;
    const auto hw = high_watermarks(node, stream);
    int64_t total = 0;
    for (size_t p = 0; p < hw.size(); ++p)
      total += static_cast<int64_t>(consume_all(node, stream, static_cast<int>(p), hw[p]).size());
    EXPECT_EQ(total, 10) << t;
  }
}

TEST_F(Emulate, InterruptStopsCleanlyWithEveryStoredRecordInTheManifest) {
  gen_source();
  cli_node node;
  ASSERT_TRUE(node.start(config("\"broker\""), data(), false)) << node.stderr_text();
  int out_fd = -1;
  const pid_t pid =
      spawn({pinpipe_bin(), "emulate", "--mode", "stream", "--events", "0", "--rate", "100",
             "--transport", "direct", "--data-dir", data(), "--key-max",
             std::to_string(source_rows - 1), "--seed", "9", "--broker", node.endpoint()},
            &out_fd, dir.file("emulate.err"));
  ASSERT_GT(pid, 0);
  const auto manifest = data() + "/manifests/stream.csv";
  EXPECT_TRUE(eventually([&] { return lines_of(read_file(manifest)).size() > 30; },
                         std::chrono::seconds(20)));
  kill(pid, SIGINT);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(out_fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(out_fd);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << "emulate did not exit by itself";
  EXPECT_EQ(WEXITSTATUS(st), 130) << out << read_file(dir.file("emulate.err"));
  EXPECT_NE(out.find("interrupted: "), std::string::npos) << out;
  // Unlimited events: stopped by the signal, and every record in the log is in the manifest.
  auto rows = read_manifest(manifest);
  EXPECT_EQ(rows.size() % 3, 0u) << "an event was left half sent";
  for (const char* t : {"pin", "geo", "user"})
    expect_manifest_matches_log(node, rows, "streaming-" + cli_uid + "-" + t, 5,
                                static_cast<int64_t>(rows.size() / 3));
}

TEST_F(Emulate, BadInputsGiveClearErrors) {
  // No source database.
  auto r = run_for({"emulate", "--mode", "batch", "--events", "1", "--data-dir", data(),
                    "--transport", "direct", "--broker", "tcp://127.0.0.1:1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("error: source database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pinpipe gen-source"), std::string::npos) << r.err;

  gen_source();
  auto mode = run_for({"emulate", "--mode", "sideways", "--data-dir", data()});
  EXPECT_NE(mode.exit_code, 0);
  EXPECT_NE(mode.err.find("error: --mode 'sideways' is unknown"), std::string::npos) << mode.err;

  auto transport = run_for({"emulate", "--mode", "batch", "--transport", "pigeon"});
  EXPECT_NE(transport.exit_code, 0);
  EXPECT_NE(transport.err.find("--transport 'pigeon' is unknown"), std::string::npos)
      << transport.err;

  auto keys = run_for({"emulate", "--mode", "batch", "--data-dir", data(), "--key-max", "500",
                       "--transport", "direct", "--broker", "tcp://127.0.0.1:1"});
  EXPECT_NE(keys.exit_code, 0);
  EXPECT_NE(keys.err.find("error: --key-max 500 is beyond the last key 199"), std::string::npos)
      << keys.err;

  auto pacing = run_for(
      {"emulate", "--mode", "batch", "--rate", "5", "--course-timing", "--data-dir", data()});
  EXPECT_NE(pacing.exit_code, 0);
  EXPECT_NE(pacing.err.find("choose one way of pacing"), std::string::npos) << pacing.err;
}

} // namespace
