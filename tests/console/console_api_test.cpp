// The console's JSON API against a real server on 127.0.0.1 (ephemeral port), a real memory
// log and a real warehouse file and results directory written here: answers, bad input
// (400 with a message), unknown runs (404), keys (401), the Origin check of "Run now" (403)
// and that an accepted "Run now" queues a run in batch_runs exactly as `batch trigger` does.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "console/console_server.hpp"
#include "logclient/local_log_client.hpp"
#include "pipeline/warehouse/sql.hpp"
#include "tests/gateway/http_raw_client.hpp"

namespace pinpipe::console {
namespace {

using json = nlohmann::json;
using pinpipe::gateway::test::raw_conn;
const std::string run_id = "manual__2026-01-01T00:00:00";

class console_api : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_console_api_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = pinpipe::warehouse::sql::open(dir_ + "/warehouse.db",
                                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    const std::string sql =
        "CREATE TABLE batch_runs(run_id TEXT NOT NULL, dag_id TEXT NOT NULL, scheduled_time TEXT "
        "NOT NULL, start_time TEXT, end_time TEXT, state TEXT NOT NULL, attempt INTEGER NOT NULL, "
        "error TEXT, PRIMARY KEY (dag_id, run_id, attempt));"
        "INSERT INTO batch_runs VALUES('" + run_id + "', '0a60b9a8a831_dag', '2026-01-01 00:00:00', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:03', 'success', 1, NULL);"
        "CREATE TABLE dead_letters(path TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT "
        "NULL, offset INTEGER NOT NULL, raw TEXT, reason TEXT, time TEXT);"
        "INSERT INTO dead_letters VALUES('stream', 'streaming-0a60b9a8a831-pin', 0, 7, "
        "'<script>x</script>', 'not a JSON object', NULL);"
        "INSERT INTO dead_letters VALUES('batch', '0a60b9a8a831.geo', 0, 3, '{}', 'missing ind', "
        "NULL);"
        "INSERT INTO dead_letters VALUES('stream', 'streaming-0a60b9a8a831-pin', 0, 9, '[]', "
        "'not a JSON object', NULL);";
    auto st = pinpipe::warehouse::sql::exec(db->get(), sql);
    ASSERT_TRUE(st.ok()) << st.to_string();
    std::filesystem::create_directories(dir_ + "/results/" + run_id);
    std::ofstream(dir_ + "/results/" + run_id + "/most_followed_country.csv")
        << "country,follower_count\n\"<b>Chile</b>\",42\n";
    log_ = logclient::make_memory_log_client();
    logclient::topic_config t;
    t.partitions = 2;
    ASSERT_TRUE(log_->create_topic("0a60b9a8a831.pin", t).ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::function<actors::actor_stats()> api_stats_; ///< set before start(); may stay empty
  void start(std::vector<std::string> keys = {}) {
    console_options o;
    o.port = 0;
    o.api_keys = std::move(keys);
    o.chart_js_path = "";
    console_sources s;
    s.log = log_;
    s.uid = "0a60b9a8a831";
    s.data_dir = dir_;
    s.warehouse_path = dir_ + "/warehouse.db";
    s.results_dir = dir_ + "/results";
    s.node_api_stats = api_stats_;
    auto srv = console_server::start(o, s);
    ASSERT_TRUE(srv.ok()) << srv.error().to_string();
    server_ = std::move(*srv);
  }
  struct answer {
    int status = 0;
    std::string body;
    json j() const { return json::parse(body, nullptr, false); }
  };
  answer request(const std::string& method, const std::string& target,
                 const std::string& headers = "") {
    raw_conn c(server_->port());
    EXPECT_TRUE(c.connected());
    c.send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" +
           headers + "\r\n");
    auto r = c.read();
    return {r.status, r.body};
  }
  answer get(const std::string& target, const std::string& headers = "") {
    return request("GET", target, headers);
  }
  std::string dir_;
  std::shared_ptr<logclient::log_client> log_;
  std::unique_ptr<console_server> server_;
};

TEST_F(console_api, OverviewListsTopicsWithTheirOffsets) {
  start();
  auto a = get("/api/v1/overview");
  ASSERT_EQ(a.status, 200) << a.body;
  auto j = a.j();
  ASSERT_EQ(j["topics"].size(), 1u);
  EXPECT_EQ(j["topics"][0]["name"], "0a60b9a8a831.pin");
  EXPECT_EQ(j["topics"][0]["partitions"].size(), 2u);
  EXPECT_EQ(j["topics"][0]["records"], 0);
}

TEST_F(console_api, RunsResultsAndCsvComeFromTheRunsFiles) {
  start();
  auto runs = get("/api/v1/runs").j();
  ASSERT_EQ(runs["runs"].size(), 1u);
  EXPECT_EQ(runs["runs"][0]["run_id"], run_id);
  EXPECT_EQ(runs["runs"][0]["state"], "success");
  EXPECT_EQ(runs["runs"][0]["trigger"], "manual");
  EXPECT_EQ(runs["runs"][0]["duration_s"], 3);
  auto res = get("/api/v1/runs/" + run_id + "/results?query=most_followed_country");
  ASSERT_EQ(res.status, 200) << res.body;
  auto q = res.j()["queries"][0];
  EXPECT_EQ(q["rows"][0][0], "<b>Chile</b>");
  EXPECT_EQ(q["rows"][0][1], "42");
  auto csv = get("/api/v1/runs/" + run_id + "/results/most_followed_country.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body, "country,follower_count\n<b>Chile</b>,42\n");
  auto svg = get("/api/v1/runs/" + run_id + "/charts/most_followed_country.svg");
  EXPECT_EQ(svg.status, 200);
  EXPECT_NE(svg.body.find("&lt;b&gt;Chile&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(svg.body.find("<b>"), std::string::npos);
}

TEST_F(console_api, UnknownRunsAre404AndBadParametersAre400WithAMessage) {
  start();
  EXPECT_EQ(get("/api/v1/runs/manual__1999-01-01T00:00:00").status, 404);
  EXPECT_EQ(get("/api/v1/runs/manual__1999-01-01T00:00:00/results").status, 404);
  EXPECT_EQ(get("/api/v1/runs/" + run_id + "/results/no_such_query.csv").status, 404);
  auto bad_id = get("/api/v1/runs/..%2Fetc/results");
  EXPECT_EQ(bad_id.status, 400);
  for (const std::string& t : std::vector<std::string>{"/api/v1/dead-letters?limit=abc", "/api/v1/dead-letters?limit=0",
        "/api/v1/dead-letters?path=lake", "/api/v1/throughput?seconds=-1",
        "/api/v1/warehouse/dead_letters?limit=100000", "/api/v1/runs/" + run_id +
                                                           "/results?query=nope"}) {
    auto a = get(t);
    EXPECT_EQ(a.status, 400) << t;
    EXPECT_FALSE(a.j()["error"]["message"].get<std::string>().empty()) << t;
  }
  EXPECT_EQ(get("/api/v1/warehouse/no_such_table").status, 404);
  EXPECT_EQ(get("/api/v1/nothing").status, 404);
}

TEST_F(console_api, DeadLettersFilterAndCountPerReason) {
  start();
  auto all = get("/api/v1/dead-letters").j();
  EXPECT_EQ(all["total"], 3);
  EXPECT_EQ(all["counts"][0]["reason"], "not a JSON object");
  EXPECT_EQ(all["counts"][0]["count"], 2);
  auto f = get("/api/v1/dead-letters?topic=0a60b9a8a831.geo").j();
  EXPECT_EQ(f["total"], 1);
  EXPECT_EQ(f["letters"][0]["reason"], "missing ind");
  auto r = get("/api/v1/dead-letters?reason=JSON&path=stream").j();
  EXPECT_EQ(r["total"], 2);
  auto w = get("/api/v1/warehouse").j();
  bool found = false;
  for (auto& t : w["tables"])
    if (t["name"] == "dead_letters") found = t["rows"] == 3 && t["columns"].size() == 7;
  EXPECT_TRUE(found) << w.dump();
  auto sample = get("/api/v1/warehouse/dead_letters?limit=1").j();
  EXPECT_EQ(sample["rows"].size(), 1u);
}

TEST_F(console_api, WithKeysEveryApiCallNeedsOne) {
  start({"k1"});
  EXPECT_EQ(get("/api/v1/overview").status, 401);
  EXPECT_EQ(get("/metrics").status, 401);
  EXPECT_EQ(get("/api/v1/overview", "X-API-Key: wrong\r\n").status, 401);
  EXPECT_EQ(get("/api/v1/overview", "X-API-Key: k1\r\n").status, 200);
  EXPECT_EQ(request("POST", "/api/v1/runs").status, 401);
  EXPECT_EQ(get("/overview").status, 200); // the page itself holds no data
}

TEST_F(console_api, RunNowChecksTheOriginAndQueuesARun) {
  start();
  auto foreign = request("POST", "/api/v1/runs", "Origin: http://evil.example\r\n");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(get("/api/v1/runs").j()["runs"].size(), 1u);
  const std::string own = "Origin: http://127.0.0.1:" + std::to_string(server_->port()) + "\r\n";
  auto ok = request("POST", "/api/v1/runs", own);
  ASSERT_EQ(ok.status, 201) << ok.body;
  const std::string id = ok.j()["run_id"];
  EXPECT_EQ(id.rfind("manual__", 0), 0u);
  auto runs = get("/api/v1/runs").j()["runs"];
  ASSERT_EQ(runs.size(), 2u);
  bool queued = false;
  for (auto& r : runs)
    if (r["run_id"] == id) queued = r["state"] == "queued";
  EXPECT_TRUE(queued) << runs.dump();
  EXPECT_EQ(request("PUT", "/api/v1/runs", own).status, 405);
}

TEST_F(console_api, MetricsArePrometheusText) {
  start();
  auto m = get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("pinpipe_console_up 1\n"), std::string::npos);
  EXPECT_NE(m.body.find("pinpipe_partition_high_watermark{topic=\"0a60b9a8a831.pin\","
                        "partition=\"1\"} 0"),
            std::string::npos);
  EXPECT_NE(m.body.find("pinpipe_batch_runs{state=\"success\"} 1"), std::string::npos);
}

// Rejected requests are counted in a metric (issue 11: count them, do not log each one).
TEST_F(console_api, MetricsCountRejectedRequestsOfTheNodeApi) {
  api_stats_ = [] {
    auto s = actors::named_stats("node-api");
    s.bad_requests = 10000;
    s.log_lines_suppressed = 9987;
    return s;
  };
  start();
  auto m = get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("pinpipe_bad_requests{actor=\"node-api\"} 10000\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("pinpipe_log_lines_suppressed{actor=\"node-api\"} 9987\n"),
            std::string::npos)
      << m.body;
}

} // namespace
} // namespace pinpipe::console
