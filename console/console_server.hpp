// The web console: pages, a JSON API (/api/v1/...) and /metrics (Prometheus text) over HTTP,
// served by a node on [console] listen (docs/console.md, docs/http-api.md "Console API").
//
// What it reads (the same state `pinpipe status` reads): the node's log engine (topics,
// partitions, offsets, consumer groups), the pipeline actors' counters through a callback, and
// the files of the data directory: warehouse.db (batch_runs, dead_letters, tables, stream
// positions, opened read-only per request), results/<run id>/ (CSVs, report.html) and
// pinpipe.log (a run's log lines). What it writes: only "Run now" (POST /api/v1/runs), which
// queues a manual run in batch_runs exactly as `pinpipe batch trigger` does.
//
// Safety: binds where [console] listen says (127.0.0.1 by default). With keys configured
// ([console] api_keys, else [gateway] api_keys) every API and /metrics request needs one in
// X-API-Key (the pages keep it in sessionStorage); the page assets themselves hold no data and
// are served without. A POST must carry an Origin equal to the console's own (or none: a
// script that is not a browser). The pages put data into the DOM as text only.
//
// Threading: the HTTP server's workers run the handlers concurrently; a sampler thread records
// records/s per topic every second (the last 10 minutes in memory). Lifecycle: start() binds
// and starts both; stop() (or the destructor) ends them. The sources must outlive the server.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/stats.hpp"
#include "common/status.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::console {

/// Where the console's data comes from. Every callback may be empty (that part is then
/// reported as not running on this node).
struct console_sources {
  std::shared_ptr<logclient::log_client> log; ///< may be null (no log on this node)
  std::string node_id;
  std::vector<std::string> roles; ///< [node] roles as configured
  std::string node_endpoint;      ///< the ZeroMQ node API, for display
  std::string data_dir;
  std::string lake_dir;
  std::string warehouse_path;
  std::string results_dir;
  std::string log_file; ///< pinpipe.log (a run's log lines); "" = none
  std::string uid;      ///< [pipeline] user_id: dag "<uid>_dag", topics "<uid>.*"
  // The scheduler settings "Run now" opens batch_runs with (as `pinpipe batch trigger`).
  std::string schedule = "0 0 * * *";
  std::string start_date;
  int32_t retries = 1;
  int64_t retry_delay_s = 120;
  std::function<std::vector<actors::actor_stats>()> actor_stats;
  std::function<result<int64_t>()> stream_lag;
  /// The node's ZeroMQ API counters (bad_requests, log_lines_suppressed); may be empty.
  std::function<actors::actor_stats()> node_api_stats;
};

struct console_options {
  std::string host = "127.0.0.1";
  int port = 8083; ///< 0 = any free port
  std::vector<std::string> api_keys; ///< empty = no key needed
  int threads = 4;
  int sample_interval_ms = 1000; ///< records/s sampling
  /// Chart.js served at /assets/chart.min.js when the file exists ("" = never).
  std::string chart_js_path = "/usr/share/javascript/chart.js/chart.min.js";
};

/// "host:port" of [console] listen -> host and port (invalid_config naming the key when bad).
status parse_listen(const std::string& listen, console_options& out);

class console_server {
public:
  static result<std::unique_ptr<console_server>> start(console_options opt,
                                                       console_sources src);
  ~console_server();
  console_server(const console_server&) = delete;
  console_server& operator=(const console_server&) = delete;

  int port() const;
  /// "http://host:port/" as a browser opens it.
  std::string url() const;
  void stop();

  struct impl;

private:
  explicit console_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::console
