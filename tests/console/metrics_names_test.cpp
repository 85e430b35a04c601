// The console's GET /metrics and `pinpipe status --prometheus` come from one writer
// (console/metrics_text.hpp), so they name the same metrics: the console served over real
// HTTP on 127.0.0.1, and status's renderer (nodes/metrics.cpp, compiled in here) over a
// snapshot as cmd_status.cpp fills it. Both must hold every family of metric_families(),
// the rejected-request counters and pinpipe_disk_full_errors included.
#include <filesystem>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "common/disk_full_count.hpp"
#include "console/console_server.hpp"
#include "console/metrics_text.hpp"
#include "logclient/local_log_client.hpp"
#include "nodes/metrics.hpp"
#include "tests/gateway/http_raw_client.hpp"

namespace pinpipe::console {
namespace {

using pinpipe::gateway::test::raw_conn;

/// Family names of a Prometheus text ("# TYPE <name> gauge" lines).
std::set<std::string> family_names(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    const auto name = line.substr(7, line.find(' ', 7) - 7);
    EXPECT_TRUE(out.insert(name).second) << "family " << name << " printed twice";
  }
  return out;
}

/// Names of the samples (lines that are not comments), without labels.
std::set<std::string> sample_names(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') out.insert(line.substr(0, line.find_first_of("{ ")));
  return out;
}

std::string console_metrics() {
  std::shared_ptr<logclient::log_client> log = logclient::make_memory_log_client();
  logclient::topic_config t;
  t.partitions = 2;
  EXPECT_TRUE(log->create_topic("0a60b9a8a831.pin", t).ok());
  char tmpl[] = "/tmp/pinpipe_metrics_names_XXXXXX";
  EXPECT_NE(::mkdtemp(tmpl), nullptr);
  console_options o;
  o.port = 0;
  o.chart_js_path = "";
  console_sources s;
  s.log = log;
  s.uid = "0a60b9a8a831";
  s.data_dir = tmpl;
  s.warehouse_path = std::string(tmpl) + "/warehouse.db"; // none: no tables, no runs
  s.results_dir = std::string(tmpl) + "/results";
  s.actor_stats = [] {
    auto g = actors::named_stats("gateway");
    g.bad_requests = 7;
    g.log_lines_suppressed = 2;
    return std::vector<actors::actor_stats>{g};
  };
  auto srv = console_server::start(o, s);
  EXPECT_TRUE(srv.ok()) << srv.error().to_string();
  if (!srv.ok()) return "";
  raw_conn c((*srv)->port());
  EXPECT_TRUE(c.connected());
  c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  auto r = c.read();
  (*srv)->stop();
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  EXPECT_EQ(r.status, 200);
  return r.body;
}

std::string status_metrics(bool node_up) {
  cli::status_snapshot s;
  s.node_up = node_up;
  if (node_up) {
    s.partitions.push_back({"0a60b9a8a831.pin", 0, false, 0, 5});
    auto g = actors::named_stats("gateway");
    g.bad_requests = 7;
    g.log_lines_suppressed = 2;
    s.actors.push_back(g);
    s.disk_full_errors = 3;
  }
  std::ostringstream out;
  cli::print_prometheus(out, s);
  return out.str();
}

TEST(MetricsNames, ConsoleAndStatusNameTheSameMetrics) {
  const std::set<std::string> all(metric_families().begin(), metric_families().end());
  for (const char* needed :
       {"pinpipe_bad_requests", "pinpipe_log_lines_suppressed", "pinpipe_disk_full_errors",
        "pinpipe_partition_high_watermark", "pinpipe_batch_runs"})
    EXPECT_EQ(all.count(needed), 1u) << needed;

  const auto console = console_metrics();
  EXPECT_EQ(family_names(console), all) << console;
  EXPECT_EQ(family_names(status_metrics(true)), all);
  EXPECT_EQ(family_names(status_metrics(false)), all) << "a node that is down changes no name";
}

TEST(MetricsNames, BothCarryTheRejectedRequestAndDiskFullSamples) {
  const auto console = console_metrics();
  EXPECT_NE(console.find("pinpipe_bad_requests{actor=\"gateway\"} 7\n"), std::string::npos)
      << console;
  EXPECT_NE(console.find("pinpipe_log_lines_suppressed{actor=\"gateway\"} 2\n"),
            std::string::npos);
  EXPECT_NE(console.find("pinpipe_disk_full_errors " +
                         std::to_string(disk_full_refusals().load()) + "\n"),
            std::string::npos)
      << console;
  const auto status = status_metrics(true);
  EXPECT_NE(status.find("pinpipe_bad_requests{actor=\"gateway\"} 7\n"), std::string::npos)
      << status;
  EXPECT_NE(status.find("pinpipe_log_lines_suppressed{actor=\"gateway\"} 2\n"),
            std::string::npos);
  EXPECT_NE(status.find("pinpipe_disk_full_errors 3\n"), std::string::npos) << status;
  // Samples of the counters both know are the same metrics.
  const auto c = sample_names(console), s = sample_names(status);
  for (const char* both : {"pinpipe_node_up", "pinpipe_partition_high_watermark",
                           "pinpipe_bad_requests", "pinpipe_log_lines_suppressed",
                           "pinpipe_disk_full_errors"}) {
    EXPECT_EQ(c.count(both), 1u) << both;
    EXPECT_EQ(s.count(both), 1u) << both;
  }
}

} // namespace
} // namespace pinpipe::console
