// What a new user meets in the first hour, as real processes: a batch run right after a few
// events finds them (the node's connector closes its lake objects first), emulate draws a
// fresh seed unless given one, bad usage exits 2 with a suggestion for a mistyped flag,
// subcommand help lists the global options, a bad cron leaves no data directory behind,
// `produce` warns about non-JSON lines for a pipeline topic, and `simulate --keep-serving`
// serves the node API that `status` talks to.
#include <poll.h>

#include <regex>
#include <thread>

#include "tests/cli/cli_helpers.hpp"

namespace fs = std::filesystem;
using namespace pinpipe::test;

namespace {

class FirstHour : public ::testing::Test {
protected:
  temp_dir dir;
  std::string data() const { return dir.path + "/data"; }
  std::string config(const std::string& roles, const std::string& extra = "") {
    const auto path = dir.file("pinpipe.toml");
    write_file(path, "[node]\nroles = [" + roles +
                         "]\nlog_level = \"warn\"\n[gateway]\nlisten = \"127.0.0.1:0\"\n" + extra);
    return path;
  }
};

/// The "seed N" printed on emulate's first line.
std::string printed_seed(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("seed ([0-9]+)"))) return m[1];
  return "";
}

TEST_F(FirstHour, BatchRunRightAfterAFewEventsIncludesThem) {
  // The connector's object size and rotation are far away: without the flush request the
  // lake would still be empty.
  const auto cfg = config("\"broker\", \"connector\"",
                          "[connector]\nflush_size = 500\nrotate_interval_ms = 600000\n");
  ASSERT_EQ(run_for({"gen-source", "--data-dir", data(), "--rows", "100"}).exit_code, 0);
  cli_node node;
  ASSERT_TRUE(node.start(cfg, data(), false)) << node.stderr_text();
  auto e = run_for({"emulate", "--mode", "batch", "-n", "5", "--transport", "direct",
                    "--data-dir", data(), "--key-max", "99", "-b", node.endpoint()});
  ASSERT_EQ(e.exit_code, 0) << e.out << e.err;
  auto b = run_for({"-c", cfg, "batch", "run", "--data-dir", data(), "-b", node.endpoint()});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_NE(b.out.find("closed its lake objects up to now"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("records read        15"), std::string::npos) << b.out;
  EXPECT_EQ(lake_records(data() + "/lake", cli_uid + ".pin"), 5);
  // The object is named after its first offset, as the S3 sink names it.
  EXPECT_TRUE(fs::exists(data() + "/lake/topics/" + cli_uid + ".pin/partition=0/" + cli_uid +
                         ".pin+0+0000000000.json"));
  auto q = run_for({"query", "most_followed_country", "--data-dir", data()});
  ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
  EXPECT_EQ(q.out.find(" 0 rows"), std::string::npos) << q.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(q.out, m, std::regex(", ([0-9]+) rows?,"))) << q.out;
  EXPECT_GT(std::stoi(m[1]), 0) << q.out;

  // Without a node the run says so at once and reads the lake as it is.
  node.stop();
  auto alone = run_for({"-c", cfg, "batch", "run", "--data-dir", data(), "-b", node.endpoint()});
  EXPECT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  EXPECT_NE(alone.out.find("reading the lake as it is"), std::string::npos) << alone.out;
}

TEST_F(FirstHour, EmulateDrawsAFreshPrintedSeedUnlessOneIsGiven) {
  const auto cfg = config("\"broker\"");
  ASSERT_EQ(run_for({"gen-source", "--data-dir", data(), "--rows", "100"}).exit_code, 0);
  cli_node node;
  ASSERT_TRUE(node.start(cfg, data(), false)) << node.stderr_text();
  auto emulate = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"emulate", "--mode", "batch", "-n", "3", "--transport",
                                  "direct", "--data-dir", data(), "--key-max", "99",
                                  "-b", node.endpoint()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_for(args);
  };
  auto a = emulate({}), b = emulate({});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(printed_seed(a.out), "") << a.out;
  EXPECT_NE(printed_seed(a.out), printed_seed(b.out)) << a.out << b.out;
  EXPECT_NE(a.out.find("repeat the run with --seed " + printed_seed(a.out)), std::string::npos)
      << a.out;
  // --seed repeats a run: the same keys as the random run it names.
  auto again = emulate({"--seed", printed_seed(a.out)});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("(random"), std::string::npos) << again.out;
  auto rows = read_manifest(data() + "/manifests/batch.csv");
  ASSERT_EQ(rows.size(), 27u);
  for (size_t i = 0; i < 9; ++i)
    EXPECT_EQ(rows[i].key, rows[18 + i].key) << i;
}

TEST_F(FirstHour, BadUsageExitsTwoAndAMistypedFlagGetsASuggestion) {
  auto mode = run_for({"emulate", "--mode", "foo", "--data-dir", data()});
  EXPECT_EQ(mode.exit_code, 2) << mode.err;
  EXPECT_NE(mode.err.find("--mode 'foo' is unknown"), std::string::npos) << mode.err;
  auto pigeon = run_for({"simulate", "--transport", "pigeon", "--data-dir", data()});
  EXPECT_EQ(pigeon.exit_code, 2) << pigeon.err;
  EXPECT_NE(pigeon.err.find("--transport 'pigeon' is unknown"), std::string::npos) << pigeon.err;
  EXPECT_FALSE(fs::exists(data())) << "a usage error created the data directory";
  auto typo = run_for({"emulate", "--mode", "batch", "--evnts", "5"});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("did you mean --events?"), std::string::npos) << typo.err;
  auto typo2 = run_for({"batch", "run", "--data-dri", data()});
  EXPECT_EQ(typo2.exit_code, 2);
  EXPECT_NE(typo2.err.find("did you mean --data-dir?"), std::string::npos) << typo2.err;
}

TEST_F(FirstHour, SubcommandHelpListsTheGlobalOptions) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"status"}, {"batch", "run"}}) {
    cmd.push_back("--help");
    auto h = run_for(cmd);
    EXPECT_EQ(h.exit_code, 0);
    for (const char* flag : {"--config", "-c", "--broker", "-b", "--server-key"})
      EXPECT_NE(h.out.find(flag), std::string::npos) << cmd[0] << ": " << flag << "\n" << h.out;
  }
  // And they work after the subcommand.
  auto s = run_for({"status", "-b", "tcp://127.0.0.1:1", "--timeout-ms", "300", "--data-dir",
                    data()});
  EXPECT_NE(s.out.find("NOT REACHABLE"), std::string::npos) << s.out << s.err;
}

TEST_F(FirstHour, AnInvalidCronIsRejectedBeforeTheDataDirectoryIsCreated) {
  const auto cfg = config("\"broker\", \"scheduler\"", "[scheduler]\nschedule = \"61 * * * *\"\n");
  auto n = run_for({"node", "--config", cfg, "--data-dir", data(), "--listen",
                    "tcp://127.0.0.1:0"});
  EXPECT_EQ(n.exit_code, 1) << n.out << n.err;
  EXPECT_NE(n.err.find("[scheduler] schedule"), std::string::npos) << n.err;
  EXPECT_FALSE(fs::exists(data())) << "the node created the data directory first";
  auto s = run_for({"-c", cfg, "simulate", "--data-dir", data(), "-n", "1"});
  EXPECT_EQ(s.exit_code, 1) << s.out << s.err;
  EXPECT_NE(s.err.find("[scheduler] schedule"), std::string::npos) << s.err;
  EXPECT_FALSE(fs::exists(data())) << "simulate created the data directory first";
}

TEST_F(FirstHour, ProduceWarnsWhenALineForAPipelineTopicIsNotJson) {
  const auto cfg = config("\"broker\"");
  cli_node node;
  ASSERT_TRUE(node.start(cfg, data(), false)) << node.stderr_text();
  auto p = run_cli({"produce", cli_uid + ".pin", "-b", node.endpoint()},
                   "{\"index\": 1}\nnot json\n");
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find("warning: line 2 is not JSON"), std::string::npos) << p.err;
  EXPECT_EQ(p.err.find("line 1 "), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("produced 2 record(s)"), std::string::npos) << p.err;
  // A topic of one's own takes any text without a warning.
  ASSERT_EQ(run_for({"topics", "create", "notes", "-b", node.endpoint()}).exit_code, 0);
  auto own = run_cli({"produce", "notes", "-b", node.endpoint()}, "one\ntwo\n");
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_EQ(own.err.find("warning"), std::string::npos) << own.err;
}

TEST_F(FirstHour, SimulateKeepServingServesTheNodeApiThatStatusTalksTo) {
  std::vector<std::string> argv{pinpipe_bin(), "simulate",       "--data-dir", data(),
                                "-n",          "5",              "--rows",     "100",
                                "--transport", "direct",         "--gateway-port", "0",
                                "--skip-batch", "--keep-serving", "--listen",   "tcp://127.0.0.1:0"};
  int out_fd = -1;
  pid_t pid = spawn(argv, &out_fd, dir.file("simulate.err"));
  ASSERT_GT(pid, 0);
  std::string endpoint, text, line;
  bool serving = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && !serving) {
    pollfd p{out_fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(out_fd, &c, 1) != 1) break;
    text += c;
    if (c != '\n') {
      line += c;
      continue;
    }
    if (auto at = line.find("node API (ZeroMQ) serving on "); at != std::string::npos)
      endpoint = line.substr(at + 29, line.find(' ', at + 29) - at - 29);
    if (line.rfind("serving: gateway", 0) == 0) serving = true;
    line.clear();
  }
  ASSERT_TRUE(serving) << text << read_file(dir.file("simulate.err"));
  ASSERT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << text;
  EXPECT_NE(endpoint, "tcp://127.0.0.1:0");
  auto s = run_for({"status", "-b", endpoint, "--data-dir", data()});
  EXPECT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_EQ(s.out.find("NOT REACHABLE"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("streaming-" + cli_uid + "-pin"), std::string::npos) << s.out;
  EXPECT_EQ(stop_child(pid, out_fd, SIGINT), 130);
}

/// Lines of the lake objects under `dir` (recursively).
int64_t lines_under(const std::string& dir) {
  int64_t n = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json") {
      auto text = read_file(it->path().string());
      n += std::count(text.begin(), text.end(), '\n');
    }
  return n;
}

TEST_F(FirstHour, ARecreatedPipelineTopicStartsOverInTheLake) {
  const auto cfg = config("\"broker\", \"connector\"");
  ASSERT_EQ(run_for({"gen-source", "--data-dir", data(), "--rows", "100"}).exit_code, 0);
  cli_node node;
  ASSERT_TRUE(node.start(cfg, data(), false)) << node.stderr_text();
  const std::string pin = cli_uid + ".pin", lake = data() + "/lake";
  auto e = run_for({"emulate", "--mode", "batch", "-n", "5", "--transport", "direct",
                    "--data-dir", data(), "--key-max", "99", "-b", node.endpoint()});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto b = run_for({"-c", cfg, "batch", "run", "--data-dir", data(), "-b", node.endpoint()});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  ASSERT_EQ(lake_records(lake, pin), 5);

  // Delete and recreate the topic on the running node, then write 3 records to it.
  ASSERT_EQ(run_for({"topics", "delete", pin, "-b", node.endpoint()}).exit_code, 0);
  ASSERT_EQ(run_for({"topics", "create", pin, "-b", node.endpoint()}).exit_code, 0);
  auto p = run_cli({"produce", pin, "--acks", "all", "-b", node.endpoint()},
                   "{\"index\": 1}\n{\"index\": 2}\n{\"index\": 3}\n");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto again = run_for({"-c", cfg, "batch", "run", "--data-dir", data(), "-b", node.endpoint()});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("closed its lake objects up to now"), std::string::npos) << again.out;

  // The new topic starts over at offset 0; the old objects keep their names elsewhere.
  EXPECT_EQ(lake_records(lake, pin), 3);
  EXPECT_TRUE(fs::exists(lake + "/topics/" + pin + "/partition=0/" + pin + "+0+0000000000.json"));
  EXPECT_EQ(lines_under(lake + "/retired/" + pin), 5);
  bool old_name_kept = false;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(lake + "/retired/" + pin, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename() == pin + "+0+0000000000.json") old_name_kept = true;
  EXPECT_TRUE(old_name_kept);
  const auto log = node.stderr_text();
  EXPECT_NE(log.find("was deleted and recreated"), std::string::npos) << log;
  EXPECT_EQ(log.find("offset_out_of_range"), std::string::npos) << log;
}

TEST_F(FirstHour, ARecreatedStreamStartsOverInTheStreamTable) {
  const auto cfg = config("\"broker\", \"cleaner\", \"sink\"");
  cli_node node;
  ASSERT_TRUE(node.start(cfg, data(), false)) << node.stderr_text();
  const std::string stream = "streaming-" + cli_uid + "-user";
  auto users = [](int from, int to) {
    std::string lines;
    for (int i = from; i < to; ++i)
      lines += "{\"ind\": " + std::to_string(i) +
               ", \"first_name\": \"Ann\", \"last_name\": \"Lee\", \"age\": 20, "
               "\"date_joined\": \"2015-10-24 11:23:51\"}\n";
    return lines;
  };
  // Rows of the stream table, of every incarnation, once the sink has them (bounded wait).
  auto rows_when = [&](int want) {
    std::string out;
    for (int i = 0; i < 100; ++i) {
      auto q = run_for({"-c", cfg, "query", "--data-dir", data(), "--sql",
                        "SELECT count(*) FROM \"" + cli_uid + "_user_table\""});
      out = q.out + q.err;
      // The count is a line of its own, right-aligned (the first line names the warehouse
      // file, whose temp path may hold the same digits).
      std::istringstream lines(q.out);
      for (std::string line; std::getline(lines, line);) {
        line.erase(0, line.find_first_not_of(' '));
        if (line == std::to_string(want)) return want;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the stream table never had " << want << " rows; last answer: " << out;
    return -1;
  };
  auto p = run_cli({"produce", stream, "--acks", "all", "-b", node.endpoint()}, users(0, 5));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  ASSERT_EQ(rows_when(5), 5);

  // Delete and recreate the stream on the running node, then write 3 records to it (fewer
  // than the old position: the old reader got offset_out_of_range and stalled).
  ASSERT_EQ(run_for({"topics", "delete", stream, "-b", node.endpoint()}).exit_code, 0);
  ASSERT_EQ(run_for({"topics", "create", stream, "--stream", "-b", node.endpoint()}).exit_code, 0);
  p = run_cli({"produce", stream, "--acks", "all", "-b", node.endpoint()}, users(100, 103));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(rows_when(8), 8) << "the old 5 rows stay, the new stream's 3 are added";
  auto q = run_for({"-c", cfg, "query", "--data-dir", data(), "--sql",
                    "SELECT count(DISTINCT _incarnation) || ':' || min(_offset) FROM \"" + cli_uid +
                        "_user_table\" WHERE ind >= 100"});
  EXPECT_NE(q.out.find("1:0"), std::string::npos) << q.out << q.err;
  const auto log = node.stderr_text();
  EXPECT_NE(log.find("stream " + stream + " was deleted and recreated"), std::string::npos) << log;
  EXPECT_NE(log.find("starting it over from offset 0"), std::string::npos) << log;
}

} // namespace
