// A replicated cluster of real `pinpipe node` processes (issue 13, "Real processes, 3
// nodes"): acks=all writes survive SIGKILL of the leader, any node serves clients, a
// stopped leader steps down, a minority cannot acknowledge writes, and bad cluster configs
// are refused with a clear message.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "logclient/remote_log_client.hpp"
#include "tests/cluster/cluster_harness.hpp"

namespace pinpipe::test {
namespace {

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string numbered(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += "r" + std::to_string(i) + "\n";
  return s;
}

std::unique_ptr<logclient::remote_log_client> client_for(const std::string& endpoint,
                                                         int timeout_ms = 20000) {
  logclient::remote_options o;
  o.endpoint = endpoint;
  o.timeout_ms = timeout_ms;
  auto c = logclient::remote_log_client::connect(o);
  return c ? std::move(*c) : nullptr;
}

// Every record value of topic/p as node `endpoint`'s replica holds it (committed only).
std::vector<std::string> read_all(const std::string& endpoint, const std::string& topic, int p) {
  auto c = client_for(endpoint);
  std::vector<std::string> out;
  if (!c) return out;
  auto start = c->list_offset(topic, partition_id{p}, storage::offset_spec::earliest);
  if (!start) return out;
  offset_t at = *start;
  for (int guard = 0; guard < 100000; ++guard) {
    auto r = c->fetch(topic, partition_id{p}, at, 1 << 20);
    if (!r || r->records.empty()) break;
    for (const auto& s : r->records) out.push_back(s.rec.value);
    at = offset_t{r->records.back().offset.value + 1};
  }
  return out;
}

TEST(ClusterProcess, AnyNodeServesAndKillingTheLeaderLosesNothingAcknowledged) {
  test_cluster c(3);
  ASSERT_TRUE(c.start_all().ok());
  auto cr = c.cli({"topics", "create", "t", "--partitions", "3"});
  ASSERT_EQ(cr.exit_code, 0) << cr.out << cr.err;
  const int leader = c.wait_leader("t", 0);
  ASSERT_GT(leader, 0);
  // Produce through a node that does not lead partition 0: it forwards to the leader.
  const int other = leader % 3 + 1;
  auto p1 = c.cli_at(other, {"produce", "t", "--acks", "all"}, numbered(1, 100));
  ASSERT_EQ(p1.exit_code, 0) << p1.out << p1.err;
  c.kill9(leader);
  const int next = c.wait_leader("t", 0);
  ASSERT_GT(next, 0);
  EXPECT_NE(next, leader);
  auto p2 = c.cli({"produce", "t", "--acks", "all"}, numbered(101, 200));
  ASSERT_EQ(p2.exit_code, 0) << p2.out << p2.err;
  // Every live node serves the whole partition, each record once, in order.
  for (int i = 1; i <= 3; ++i) {
    if (!c.running(i)) continue;
    auto got = c.cli_at(i, {"consume", "t", "--from-beginning", "--count", "200", "--timeout-ms", "5000"});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(lines_of(got.out), lines_of(numbered(1, 200))) << "node " << i;
  }
  // The killed node comes back and catches up.
  ASSERT_TRUE(c.start(leader).ok());
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> back;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
    back = read_all(c.endpoint(leader), "t", 0);
    if (back.size() >= 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(back, lines_of(numbered(1, 200)));
}

TEST(ClusterProcess, AcksAllSurvivesTwentyLeaderKillsWithoutLossOrDuplicates) {
  test_cluster c(3);
  ASSERT_TRUE(c.start_all().ok());
  ASSERT_EQ(c.cli({"topics", "create", "k", "--partitions", "1"}).exit_code, 0);
  const int64_t producer_id = 424242;
  int32_t seq = 0;
  std::vector<std::string> acked; // in acknowledged order
  int kills = 0, down = 0, batch_no = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
  while (kills < 20 && std::chrono::steady_clock::now() < deadline) {
    // A few idempotent acks=all batches, each retried with the same sequence until acked.
    for (int b = 0; b < 3; ++b, ++batch_no) {
      storage::produce_request req;
      req.topic = "k";
      req.required_acks = storage::acks::all;
      req.producer_id = producer_id;
      req.base_sequence = seq;
      for (int i = 0; i < 10; ++i)
        req.records.push_back({std::nullopt, "b" + std::to_string(batch_no) + "-" + std::to_string(i), 0, {}});
      bool ok = false;
      for (int attempt = 0; attempt < 40 && !ok; ++attempt) {
        for (int i = 1; i <= 3 && !ok; ++i) {
          if (!c.running(i)) continue;
          auto cl = client_for(c.endpoint(i), 15000);
          auto r = logclient::produce_sync(*cl, req);
          if (r.st.ok()) ok = true;
        }
        if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ASSERT_TRUE(ok) << "batch " << batch_no << " never acknowledged";
      for (const auto& r : req.records) acked.push_back(r.value);
      seq += 10;
    }
    // Bring back the node killed last time, then kill the current leader.
    if (down) {
      ASSERT_TRUE(c.start(down).ok());
      down = 0;
    }
    const int l = c.wait_leader("k", 0);
    ASSERT_GT(l, 0);
    c.kill9(l);
    down = l;
    ++kills;
  }
  EXPECT_EQ(kills, 20);
  if (down) {
    ASSERT_TRUE(c.start(down).ok());
  }
  // After healing every replica holds the acknowledged records exactly once, same order.
  std::vector<std::vector<std::string>> replicas(3);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 3; ++i) {
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20)) {
      replicas[i - 1] = read_all(c.endpoint(i), "k", 0);
      if (replicas[i - 1].size() >= acked.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::set<std::string> unique(replicas[0].begin(), replicas[0].end());
  EXPECT_EQ(unique.size(), replicas[0].size()) << "duplicates on node 1";
  EXPECT_EQ(replicas[0], acked) << "node 1 lost or reordered acknowledged records";
  EXPECT_EQ(replicas[1], replicas[0]);
  EXPECT_EQ(replicas[2], replicas[0]);
  std::cout << "[ cluster  ] " << kills << " leader kills, " << acked.size()
            << " acknowledged records, all on 3 replicas once, in order\n";
}

TEST(ClusterProcess, StoppedLeaderStepsDownAndAcksNothingWithoutQuorum) {
  test_cluster c(3);
  ASSERT_TRUE(c.start_all().ok());
  ASSERT_EQ(c.cli({"topics", "create", "s"}).exit_code, 0);
  ASSERT_EQ(c.cli({"produce", "s", "--acks", "all"}, numbered(1, 10)).exit_code, 0);
  const int old = c.wait_leader("s", 0);
  ASSERT_GT(old, 0);
  ::kill(c.node(old).pid(), SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500)); // past the election timeout
  // The others elected a new leader and take writes.
  int fresh = 0;
  for (int tries = 0; tries < 50 && !fresh; ++tries) {
    if (tries > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 1; i <= 3 && !fresh; ++i)
      if (i != old) {
        const int l = c.leader("s", 0, i);
        if (l > 0 && l != old) fresh = l;
      }
  }
  ASSERT_GT(fresh, 0) << "no new leader while node " << old << " was stopped";
  ASSERT_EQ(c.cli_at(fresh, {"produce", "s", "--acks", "all"}, numbered(11, 20)).exit_code, 0);
  ::kill(c.node(old).pid(), SIGCONT);
  // A write sent to the old leader right after it resumes is acknowledged only if the
  // majority committed it.
  const auto resumed = std::chrono::steady_clock::now();
  auto late = c.cli_at(old, {"produce", "s", "--acks", "all"}, "late\n");
  int seen = old;
  while (seen == old && std::chrono::steady_clock::now() - resumed < std::chrono::seconds(3)) {
    seen = c.leader("s", 0, old);
    if (seen == old) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(seen, old) << "the old leader still claims leadership 3 s after SIGCONT; late write: "
                       << late.exit_code << " " << late.out << late.err;
  auto all = read_all(c.endpoint(fresh), "s", 0);
  const bool late_in_log = std::find(all.begin(), all.end(), "late") != all.end();
  if (late.exit_code == 0) {
    EXPECT_TRUE(late_in_log) << "acknowledged but not committed";
  }
  std::vector<std::string> first20(all.begin(), all.begin() + std::min<size_t>(20, all.size()));
  EXPECT_EQ(first20, lines_of(numbered(1, 20)));
}

TEST(ClusterProcess, PartitionedMinorityCannotAcknowledgeWrites) {
  test_cluster c(3);
  ASSERT_TRUE(c.start_all().ok());
  ASSERT_EQ(c.cli({"topics", "create", "m"}).exit_code, 0);
  const int minority = c.wait_leader("m", 0);
  ASSERT_GT(minority, 0);
  // Cut the leader's node links to both others (the test hook; client links stay up).
  for (int j = 1; j <= 3; ++j)
    if (j != minority) {
      ASSERT_EQ(c.cli_at(minority, {"cluster", "cut", std::to_string(j)}).exit_code, 0);
      ASSERT_EQ(c.cli_at(j, {"cluster", "cut", std::to_string(minority)}).exit_code, 0);
    }
  // The minority side cannot acknowledge: the write it takes never commits.
  auto w = c.cli_at(minority, {"--timeout-ms", "15000", "produce", "m", "--acks", "all"},
                    "minority-write\n");
  EXPECT_NE(w.exit_code, 0) << "a cut-off node acknowledged a write: " << w.out;
  // The majority elects a leader of its own and takes writes.
  int major = 0;
  for (int tries = 0; tries < 100 && !major; ++tries) {
    for (int i = 1; i <= 3 && !major; ++i)
      if (i != minority) {
        const int l = c.leader("m", 0, i);
        if (l > 0 && l != minority) major = l;
      }
    if (!major) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(major, 0);
  ASSERT_EQ(c.cli_at(major, {"produce", "m", "--acks", "all"}, "majority-write\n").exit_code, 0);
  for (int j = 1; j <= 3; ++j) ASSERT_EQ(c.cli_at(j, {"cluster", "heal"}).exit_code, 0);
  // After healing every replica converges on the majority's log.
  std::vector<std::string> on_minority;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
    on_minority = read_all(c.endpoint(minority), "m", 0);
    if (!on_minority.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(on_minority, std::vector<std::string>{"majority-write"});
}

TEST(ClusterProcess, LinkFaultsAreRefusedWithoutFaultsAllow) {
  test_cluster c(3);
  auto cfg = read_file(c.config(1));
  const auto at = cfg.find("allow = true");
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, 12, "allow = false");
  write_file(c.config(1), cfg);
  ASSERT_TRUE(c.start_all().ok());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"cluster", "cut", "2"},
        std::vector<std::string>{"cluster", "flaky", "2", "--drop", "0.5"}}) {
    auto r = c.cli_at(1, args);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find("[faults] allow = true"), std::string::npos) << r.err;
  }
  // Node 2 allows them: the same request is taken there.
  EXPECT_EQ(c.cli_at(2, {"cluster", "cut", "1"}).exit_code, 0);
  EXPECT_EQ(c.cli_at(2, {"cluster", "heal"}).exit_code, 0);
}

TEST(ClusterProcess, NodeNotInTheListRefusesToStart) {
  temp_dir d;
  write_file(d.file("bad.toml"), "[node]\nid = 7\ndata_dir = \"" + d.file("data") +
                                     "\"\n[cluster]\nnodes = [\"1@tcp://127.0.0.1:1\", "
                                     "\"2@tcp://127.0.0.1:2\"]\n");
  auto r = run_cli({"node", "--config", d.file("bad.toml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[node] id 7 is not in the list (ids 1, 2)"), std::string::npos) << r.err;
  write_file(d.file("dup.toml"), "[node]\nid = 1\n[cluster]\nnodes = [\"1@tcp://127.0.0.1:1\", "
                                 "\"1@tcp://127.0.0.1:2\"]\n");
  auto r2 = run_cli({"node", "--config", d.file("dup.toml")});
  EXPECT_EQ(r2.exit_code, 1);
  EXPECT_NE(r2.err.find("node id 1 is listed twice"), std::string::npos) << r2.err;
}

TEST(ClusterProcess, ConflictingNodeListsAreDetectedAndReported) {
  test_cluster c(3);
  // Node 3 gets a list with a different endpoint for node 2: another cluster for the rest.
  auto cfg = read_file(c.config(3));
  const auto at = cfg.find(c.endpoint(2));
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, c.endpoint(2).size(), "tcp://127.0.0.1:" + std::to_string(free_port()));
  write_file(c.config(3), cfg);
  ASSERT_TRUE(c.start_all().ok());
  bool reported = false;
  for (int tries = 0; tries < 50 && !reported; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reported = c.log_text(1).find("it belongs to cluster") != std::string::npos;
  }
  EXPECT_TRUE(reported) << c.log_text(1);
  // Nodes 1 and 2 still form a working majority.
  EXPECT_EQ(c.cli_at(1, {"topics", "create", "x"}).exit_code, 0);
}

} // namespace
} // namespace pinpipe::test
