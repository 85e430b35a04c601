#include "nodes/console_start.hpp"

#include "actors/pipeline_runtime.hpp"
#include "logclient/local_log_client.hpp"

namespace pinpipe::cli {

result<std::unique_ptr<console::console_server>>
start_console(const config::config& cfg, std::shared_ptr<logclient::log_client> log,
              actors::pipeline_runtime* runtime, const std::string& node_endpoint,
              const std::string& log_file,
              std::function<actors::actor_stats()> node_api_stats) {
  if (cfg.console.listen.empty()) return std::unique_ptr<console::console_server>();
  console::console_options o;
  if (auto st = console::parse_listen(cfg.console.listen, o); !st) return st;
  o.api_keys = cfg.console.api_keys.empty() ? cfg.gateway.api_keys : cfg.console.api_keys;
  const auto paths = data_paths::of(cfg.node.data_dir, cfg);
  console::console_sources s;
  s.log = std::move(log);
  s.node_id = std::to_string(cfg.node.id);
  s.roles = cfg.node.roles;
  s.node_endpoint = node_endpoint;
  s.data_dir = paths.root;
  s.lake_dir = paths.lake;
  s.warehouse_path = paths.warehouse;
  s.results_dir = paths.results;
  s.log_file = log_file;
  s.uid = cfg.pipeline.user_id;
  s.schedule = cfg.scheduler.schedule;
  s.start_date = cfg.scheduler.start_date;
  s.retries = cfg.scheduler.retries;
  s.retry_delay_s = cfg.scheduler.retry_delay_s;
  s.node_api_stats = std::move(node_api_stats);
  if (runtime) {
    s.actor_stats = [runtime] { return runtime->stats(); };
    s.stream_lag = [runtime] { return runtime->stream_lag(); };
  }
  return console::console_server::start(std::move(o), std::move(s));
}

result<std::unique_ptr<console::console_server>>
start_console(const config::config& cfg, std::shared_ptr<storage::log_store> engine,
              actors::pipeline_runtime* runtime, const std::string& node_endpoint,
              const std::string& log_file,
              std::function<actors::actor_stats()> node_api_stats) {
  std::shared_ptr<logclient::log_client> client;
  if (engine) {
    auto* local = new logclient::local_log_client(*engine);
    client = std::shared_ptr<logclient::log_client>(
        local, [engine](logclient::log_client* c) { delete c; }); // the engine outlives it
  }
  return start_console(cfg, std::move(client), runtime, node_endpoint, log_file,
                       std::move(node_api_stats));
}

} // namespace pinpipe::cli
