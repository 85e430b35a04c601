// `pinpipe batch`, `pinpipe query` and `pinpipe status` as real processes around a real
// `pinpipe node` that runs every pipeline role: records sent by `emulate` reach the lake and
// the stream tables, a batch run turns the lake into the 9 query CSVs and a success row,
// `query` prints those rows, `status` shows offsets and lag (also with the node down), and a
// `batch trigger` is picked up by the node's scheduler.
#include <set>

#include "pipeline/batch/queries.hpp"
#include "tests/cli/cli_helpers.hpp"

namespace fs = std::filesystem;
using namespace pinpipe::test;

namespace {

constexpr int source_rows = 300;

class BatchStatus : public ::testing::Test {
protected:
  temp_dir dir;
  std::string data() const { return dir.path + "/data"; }
  std::string all_roles_config() {
    const auto path = dir.file("pinpipe.toml");
    write_file(path, "[node]\n"
                     "roles = [\"broker\", \"gateway\", \"connector\", \"cleaner\", \"sink\", "
                     "\"scheduler\"]\n"
                     "log_level = \"warn\"\n"
                     "[gateway]\nlisten = \"127.0.0.1:0\"\n"
                     "[connector]\nflush_size = 7\nrotate_interval_ms = 300\n"
                     "[scheduler]\nretries = 0\n");
    return path;
  }
  void emulate(const cli_node& node, const std::string& mode, int events, int seed) {
    auto r = run_for({"emulate", "--mode", mode, "--events", std::to_string(events), "--transport",
                      "direct", "--data-dir", data(), "--key-max", std::to_string(source_rows - 1),
                      "--seed", std::to_string(seed), "--broker", node.endpoint()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  run_result status(const cli_node& node, bool prometheus = false) {
    std::vector<std::string> args{"status", "--data-dir", data(), "--broker", node.endpoint()};
    if (prometheus) args.push_back("--prometheus");
    return run_for(args);
  }
};

/// True when a `batch runs` table has a row for `run_id` in state success.
bool has_success_row(const std::string& table, const std::string& run_id) {
  for (const auto& l : lines_of(table)) {
    std::istringstream cells(l);
    std::string id;
    cells >> id;
    if (id == run_id && l.find(" success ") != std::string::npos) return true;
  }
  return false;
}

/// A CSV file's data rows as raw lines (our outputs never hold line breaks inside fields).
std::vector<std::string> csv_data_lines(const std::string& path) {
  auto lines = lines_of(read_file(path));
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

/// "a,b,\"c\"" -> the cells as query prints them (unquoted).
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else
      cell += c;
  }
  cells.push_back(cell);
  return cells;
}

TEST_F(BatchStatus, BatchRunQueryAndStatusOverANodeRunningEveryRole) {
  auto gen = run_for({"gen-source", "--data-dir", data(), "--rows", std::to_string(source_rows)});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  cli_node node;
  ASSERT_TRUE(node.start(all_roles_config(), data(), true)) << node.stderr_text();
  bool roles_line = false;
  for (const auto& l : node.lines())
    if (l.find("pipeline roles: gateway, connector, cleaner+sink, scheduler") != std::string::npos)
      roles_line = true;
  EXPECT_TRUE(roles_line) << node.lines().size();

  emulate(node, "batch", 40, 21);
  emulate(node, "stream", 20, 22);
  // The connector moves the batch topics into the lake (rotate after 300 ms idle).
  for (const char* t : {"pin", "geo", "user"})
    ASSERT_TRUE(eventually([&] { return lake_records(data() + "/lake", cli_uid + "." + t) == 40; },
                           std::chrono::seconds(60)))
        << t << ": " << lake_records(data() + "/lake", cli_uid + "." + t) << node.stderr_text();

  // A consumer group that read 25 of 40 records has lag 15.
  auto consumed = run_for({"consume", cli_uid + ".pin", "--group", "analysts", "--from-beginning",
                           "--count", "25", "--broker", node.endpoint()});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;

  // Status: offsets, the group's lag, the connector and (once caught up) the sink at lag 0.
  const std::string pin = cli_uid + ".pin";
  const std::string stream_pin = "streaming-" + cli_uid + "-pin";
  run_result st;
  ASSERT_TRUE(eventually(
      [&] {
        st = status(node, true);
        for (const char* t : {"pin", "geo", "user"})
          if (st.out.find("pinpipe_warehouse_rows{table=\"" + cli_uid + "_" + t + "_table\"} 20") ==
              std::string::npos)
            return false;
        return true;
      },
      std::chrono::seconds(30)))
      << st.out << st.err;
  int sink_lags = 0;
  for (const auto& l : lines_of(st.out))
    if (l.rfind("pinpipe_consumer_lag{consumer=\"sink\"", 0) == 0) {
      ++sink_lags;
      EXPECT_EQ(l.substr(l.size() - 2), " 0") << l;
    }
  EXPECT_EQ(sink_lags, 15) << st.out; // 3 streams x 5 shards
  EXPECT_NE(st.out.find("pinpipe_node_up 1"), std::string::npos) << st.out;
  // The node's own counters (node_stats_request), as the console's /metrics has them.
  EXPECT_NE(st.out.find("pinpipe_bad_requests{actor=\"gateway\"} 0\n"), std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_log_lines_suppressed{actor=\"gateway\"} 0\n"),
            std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_actor_items{actor=\"connector\"} "), std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_disk_full_errors 0\n"), std::string::npos) << st.out;
  EXPECT_NE(
      st.out.find("pinpipe_partition_high_watermark{topic=\"" + pin + "\",partition=\"0\"} 40"),
      std::string::npos)
      << st.out;
  EXPECT_NE(
      st.out.find("pinpipe_group_lag{group=\"analysts\",topic=\"" + pin + "\",partition=\"0\"} 15"),
      std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_consumer_lag{consumer=\"connector\",topic=\"" + pin +
                        "\",partition=\"0\"} 0"),
            std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_lake_records 120"), std::string::npos) << st.out;

  auto table = status(node);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(": up"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("analysts"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(stream_pin + " (stream)"), std::string::npos) << table.out;

  // A batch run in this process: 9 CSVs and a success row.
  auto run = run_for({"batch", "run", "--data-dir", data()}, std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto id_at = run.out.find("batch run manual__");
  ASSERT_NE(id_at, std::string::npos) << run.out;
  const auto run_id = run.out.substr(id_at + 10, run.out.find(' ', id_at + 10) - id_at - 10);
  EXPECT_NE(run.out.find("batch run " + run_id + ": success"), std::string::npos) << run.out;
  const std::string results_dir = data() + "/results/" + run_id;
  for (const auto& name : pinpipe::batch::query_names())
    EXPECT_TRUE(fs::exists(results_dir + "/" + name + ".csv")) << name;
  auto runs = run_for({"batch", "runs", "--data-dir", data()});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_TRUE(has_success_row(runs.out, run_id)) << runs.out;

  // query prints the CSV's rows: every data row's cells appear, in order, on one line.
  for (const std::string name : {"popular_category_by_country", "users_joined_by_year"}) {
    std::vector<std::string> args{"query", name, "--data-dir", data()};
    if (name == "popular_category_by_country") args.insert(args.end(), {"--run", run_id});
    auto q = run_for(args);
    ASSERT_EQ(q.exit_code, 0) << q.err;
    auto rows = csv_data_lines(results_dir + "/" + name + ".csv");
    ASSERT_FALSE(rows.empty()) << name;
    auto out = lines_of(q.out);
    ASSERT_EQ(out.size(), rows.size() + 2) << q.out; // title, header, rows
    EXPECT_NE(out[0].find("run " + run_id + ", " + std::to_string(rows.size()) +
                          (rows.size() == 1 ? " row" : " rows")),
              std::string::npos)
        << out[0];
    for (size_t i = 0; i < rows.size(); ++i) {
      size_t at = 0;
      for (const auto& cell : csv_cells(rows[i])) {
        at = out[i + 2].find(cell, at);
        ASSERT_NE(at, std::string::npos) << "'" << cell << "' missing in: " << out[i + 2];
        at += cell.size();
      }
    }
  }

  // batch trigger: the node's scheduler picks the queued run up and runs it.
  auto trig = run_for({"batch", "trigger", "--data-dir", data()});
  ASSERT_EQ(trig.exit_code, 0) << trig.err;
  auto at = trig.out.find("queued manual run ");
  ASSERT_NE(at, std::string::npos) << trig.out;
  const auto queued = trig.out.substr(at + 18, trig.out.find(' ', at + 18) - at - 18);
  EXPECT_TRUE(eventually(
      [&] {
        return has_success_row(run_for({"batch", "runs", "--data-dir", data()}).out, queued);
      },
      std::chrono::seconds(60)))
      << queued;

  // With the node down, status says so and still shows the local parts.
  ASSERT_EQ(node.stop(), 0) << node.stderr_text();
  auto down =
      run_for({"status", "--data-dir", data(), "--broker", node.endpoint(), "--timeout-ms", "500"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.out.find("NOT REACHABLE"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("120 records"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find(cli_uid + "_pin_table"), std::string::npos) << down.out;
  EXPECT_NE(down.out.find(run_id), std::string::npos) << down.out;
}

// batch runs, batch trigger and status get the run history, the queued run and the warehouse
// counts from the running node (batch_runs / batch_trigger / warehouse_counts requests), not
// from the file: the CLI is given a config with another user id, so reading the file itself
// would find neither the node's DAG runs nor its tables. Asked about another data directory,
// the node's answer is not used and the CLI says so and reads that directory's file.
TEST_F(BatchStatus, RunsTriggerAndWarehouseCountsComeFromTheRunningNode) {
  cli_node node;
  ASSERT_TRUE(node.start(all_roles_config(), data(), true)) << node.stderr_text();
  const auto other_uid = dir.file("other-uid.toml");
  write_file(other_uid, "[pipeline]\nuser_id = \"0b0b0b0b0b0b\"\n");
  auto with = [&](std::vector<std::string> args, const std::string& data_dir) {
    args.insert(args.end(), {"--data-dir", data_dir, "--broker", node.endpoint()});
    return run_for(args);
  };

  auto trig = with({"batch", "trigger"}, data());
  ASSERT_EQ(trig.exit_code, 0) << trig.out << trig.err;
  auto at = trig.out.find("queued manual run ");
  ASSERT_NE(at, std::string::npos) << trig.out;
  const auto queued = trig.out.substr(at + 18, trig.out.find(' ', at + 18) - at - 18);
  EXPECT_NE(trig.out.find("on the node at " + node.endpoint()), std::string::npos) << trig.out;
  run_result runs;
  ASSERT_TRUE(eventually(
      [&] {
        runs = with({"-c", other_uid, "batch", "runs"}, data());
        return has_success_row(runs.out, queued);
      },
      std::chrono::seconds(60)))
      << queued << "\n" << runs.out << runs.err << node.stderr_text();
  EXPECT_NE(runs.out.find("(from the node at " + node.endpoint() + ")"), std::string::npos)
      << runs.out;

  auto st = with({"-c", other_uid, "status", "--prometheus"}, data());
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("pinpipe_warehouse_rows{table=\"" + cli_uid + "_pin_table\"} "),
            std::string::npos)
      << st.out;
  EXPECT_NE(st.out.find("pinpipe_batch_runs{state=\"success\"} 1"), std::string::npos) << st.out;

  // Another data directory: the node's warehouse is not that one.
  const std::string elsewhere = dir.path + "/elsewhere";
  auto other_runs = with({"batch", "runs"}, elsewhere);
  ASSERT_EQ(other_runs.exit_code, 0) << other_runs.err;
  EXPECT_NE(other_runs.out.find("note: the node at " + node.endpoint() + " uses the warehouse"),
            std::string::npos)
      << other_runs.out;
  EXPECT_NE(other_runs.out.find("no batch runs yet"), std::string::npos) << other_runs.out;
  auto other_trig = with({"batch", "trigger"}, elsewhere);
  ASSERT_EQ(other_trig.exit_code, 0) << other_trig.err;
  EXPECT_NE(other_trig.out.find("queued manual run "), std::string::npos) << other_trig.out;
  EXPECT_EQ(other_trig.out.find("on the node at"), std::string::npos) << other_trig.out;
  EXPECT_TRUE(fs::exists(elsewhere + "/warehouse.db"));
}

TEST_F(BatchStatus, BadInputsGiveClearErrors) {
  auto list = run_for({"query", "--list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(lines_of(list.out), pinpipe::batch::query_names());

  auto unknown = run_for({"query", "most_liked_cat", "--data-dir", data()});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("error: unknown query 'most_liked_cat'"), std::string::npos)
      << unknown.err;
  EXPECT_NE(unknown.err.find("pinpipe query --list"), std::string::npos) << unknown.err;

  auto no_runs = run_for({"query", "popular_category_by_country", "--data-dir", data()});
  EXPECT_NE(no_runs.exit_code, 0);
  EXPECT_NE(no_runs.err.find("no successful batch run"), std::string::npos) << no_runs.err;

  auto no_lake = run_for({"batch", "run", "--data-dir", data()});
  EXPECT_NE(no_lake.exit_code, 0);
  EXPECT_NE(no_lake.err.find("error: no lake at"), std::string::npos) << no_lake.err;

  auto runs = run_for({"batch", "runs", "--data-dir", data()});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_NE(runs.out.find("no batch runs yet"), std::string::npos) << runs.out;
  EXPECT_FALSE(fs::exists(data() + "/warehouse.db")) << "listing runs created the warehouse";

  auto bad_run =
      run_for({"query", "popular_category_by_country", "--run", "../x", "--data-dir", data()});
  EXPECT_NE(bad_run.exit_code, 0);
  EXPECT_NE(bad_run.err.find("is not a run id"), std::string::npos) << bad_run.err;
}

} // namespace
