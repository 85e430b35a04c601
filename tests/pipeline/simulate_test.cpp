// `pinpipe simulate` end to end, as a real process: every path runs, and afterwards the
// manifests, the log, the lake, the warehouse and the results agree record for record.
#include <filesystem>
#include <future>
#include <set>
#include <sstream>

#include "tests/pipeline/pipeline_checks.hpp"

namespace fs = std::filesystem;
using namespace pinpipe::test;
namespace storage = pinpipe::storage;

namespace {

struct manifest_line {
  std::string destination;
  std::string partition;
  std::string position;
  int64_t key = -1;
};

std::vector<manifest_line> read_manifest(const std::string& path) {
  std::vector<manifest_line> out;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line); // header
  EXPECT_EQ(line, "event,key,destination,partition,position");
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ','))
      f.push_back(cell);
    if (f.size() != 5) {
      ADD_FAILURE() << "bad manifest line: " << line;
      continue;
    }
    out.push_back({f[2], f[3], f[4], std::stoll(f[1])});
  }
  return out;
}

/// Each manifest line names a distinct (destination, partition, position), and the number of
/// lines per destination equals the records in that topic or stream.
void expect_manifest_matches_log(const std::string& dir, const std::string& manifest,
                                 const std::map<std::string, int64_t>& counts) {
  auto lines = read_manifest(dir + "/manifests/" + manifest);
  std::set<std::string> seen;
  std::map<std::string, int64_t> per_dest;
  for (const auto& l : lines) {
    EXPECT_TRUE(seen.insert(l.destination + "|" + l.partition + "|" + l.position).second)
        << "duplicate manifest position " << l.destination << " " << l.partition << " "
        << l.position;
    ++per_dest[l.destination];
  }
  for (const auto& [dest, n] : per_dest)
    EXPECT_EQ(n, counts.at(dest)) << dest;
}

class Simulate : public ::testing::Test {
protected:
  temp_dir dir;
  std::string data() const { return dir.path + "/data"; }
  run_result simulate(int events, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"simulate", "--data-dir",           data(),
                                  "--events", std::to_string(events), "--seed",
                                  "5",        "--gateway-port",       "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_pinpipe(args, std::chrono::seconds(150));
  }
};

TEST_F(Simulate, EveryRecordSentReachesLogLakeAndStreamTablesExactlyOnce) {
  auto r = simulate(60);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("=== pinpipe simulation summary ==="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": success"), std::string::npos) << r.out;

  auto counts = log_counts(data());
  for (const char* kind : {"pin", "geo", "user"}) {
    EXPECT_EQ(counts[uid + "." + kind], 60) << kind;
    EXPECT_EQ(counts["streaming-" + uid + "-" + kind], 60) << kind;
  }
  expect_manifest_matches_log(data(), "batch.csv", counts);
  expect_manifest_matches_log(data(), "stream.csv", counts);
  EXPECT_EQ(expect_stream_tables_exactly_once(data()), 0);
  EXPECT_EQ(expect_lake_exactly_once(data(), /*flushed=*/true), 0);

  // One batch run, with the 9 query outputs; the batch tables keep one row per key.
  std::vector<fs::path> runs;
  for (const auto& e : fs::directory_iterator(data() + "/results"))
    runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u);
  int csvs = 0;
  for (const auto& e : fs::directory_iterator(runs[0]))
    csvs += e.path().extension() == ".csv";
  EXPECT_EQ(csvs, 9);
  std::set<int64_t> pin_keys;
  for (const auto& l : read_manifest(data() + "/manifests/batch.csv"))
    if (l.destination == uid + ".pin") pin_keys.insert(l.key);
  auto conn = pinpipe::warehouse::sql::open_readonly(data() + "/warehouse.db");
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  sqlite3* db = conn->get();
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM pin_clean"), static_cast<int64_t>(pin_keys.size()));
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM batch_runs WHERE state='success'"), 1);
}

TEST_F(Simulate, RunningAgainContinuesWhereTheLastRunStopped) {
  ASSERT_EQ(simulate(30).exit_code, 0);
  auto r = simulate(20, {"--transport", "direct"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("using existing source database"), std::string::npos);
  auto counts = log_counts(data());
  for (const char* kind : {"pin", "geo", "user"}) {
    EXPECT_EQ(counts[uid + "." + kind], 50) << kind;
    EXPECT_EQ(counts["streaming-" + uid + "-" + kind], 50) << kind;
  }
  expect_manifest_matches_log(data(), "batch.csv", counts);
  expect_manifest_matches_log(data(), "stream.csv", counts);
  expect_stream_tables_exactly_once(data());
  EXPECT_EQ(expect_lake_exactly_once(data(), /*flushed=*/true), 0);
  auto conn = pinpipe::warehouse::sql::open_readonly(data() + "/warehouse.db");
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  sqlite3* db = conn->get();
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM batch_runs WHERE state='success'"), 2);
}

TEST_F(Simulate, RecordsOfTheWrongShapeBecomeDeadLettersAndTheRestFlows) {
  // Put bad records on a stream and a batch topic before the pipeline starts.
  {
    storage::log_config lc;
    lc.dir = data() + "/log";
    std::filesystem::create_directories(lc.dir);
    auto log = storage::open_file_log(lc);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    storage::topic_config stream;
    stream.partitions = 5;
    stream.is_stream = true;
    ASSERT_TRUE((*log)->create_topic("streaming-" + uid + "-geo", stream).ok());
    ASSERT_TRUE((*log)->create_topic(uid + ".geo", storage::topic_config{}).ok());
    for (const std::string& topic : {"streaming-" + uid + "-geo", uid + ".geo"}) {
      storage::produce_request req;
      req.topic = topic;
      req.required_acks = storage::acks::all;
      for (const char* bad : {"not json at all", R"({"ind": 7, "country": "Chad"})", R"([1, 2])"}) {
        storage::record rec;
        rec.value = bad;
        req.records.push_back(rec);
      }
      std::promise<storage::produce_result> done;
      (*log)->produce(req, [&](storage::produce_result r) { done.set_value(r); });
      ASSERT_TRUE(done.get_future().get().st.ok());
    }
    (*log)->close();
  }
  auto r = simulate(40);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(expect_stream_tables_exactly_once(data()), 3);
  // The non-JSON line is in the lake as logged, reported by the reader.
  EXPECT_EQ(expect_lake_exactly_once(data(), /*flushed=*/true), 1);
  auto conn = pinpipe::warehouse::sql::open_readonly(data() + "/warehouse.db");
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  sqlite3* db = conn->get();
  // The batch path turns the same three records into dead letters, each with its reason.
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM dead_letters WHERE path='batch' AND topic='" + uid +
                            ".geo'"),
            3);
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM dead_letters WHERE reason LIKE '%timestamp%' OR "
                        "reason LIKE '%latitude%'"),
            2);
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM dead_letters WHERE reason = ''"), 0);
  // Everything valid still arrived: 40 good geo rows in the stream table.
  EXPECT_EQ(sql_int(db, "SELECT COUNT(*) FROM \"" + uid + "_geo_table\""), 40);
}

TEST_F(Simulate, CtrlCStopsCleanlyAndTheNextRunContinues) {
  std::vector<std::string> argv{pinpipe_bin(),    "simulate", "--data-dir", data(),
                                "--events",       "100000",   "--rate",     "200",
                                "--gateway-port", "0"};
  int fd = -1;
  pid_t pid = spawn(argv, &fd, dir.file("err"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << "simulate did not exit by itself after SIGINT";
  EXPECT_EQ(WEXITSTATUS(st), 130);
  EXPECT_NE(out.find("interrupted: stopping cleanly"), std::string::npos) << out;
  EXPECT_NE(out.find("=== pinpipe simulation summary ==="), std::string::npos) << out;
  auto counts = log_counts(data());
  EXPECT_GT(counts[uid + ".pin"], 0);
  // The interrupted run left a consistent state; a new run drains and completes it.
  auto r = simulate(10);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(expect_stream_tables_exactly_once(data()), 0);
  EXPECT_EQ(expect_lake_exactly_once(data(), /*flushed=*/true), 0);
}

TEST_F(Simulate, BadFlagsAreRejectedWithAMessageNamingTheFlag) {
  auto r = simulate(10, {"--transport", "pigeon"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--transport 'pigeon'"), std::string::npos) << r.err;
  r = simulate(10, {"--rate", "fast"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--rate 'fast'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(data() + "/log")) << "a rejected run must not touch the data directory";
}

} // namespace
