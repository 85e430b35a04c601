// Starting the web console (console/console_server.hpp) for a node or `simulate
// --keep-serving`: [console] listen and api_keys from the config, the node's log, the data
// directory's files, and the pipeline runtime's counters when this process runs one.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/config.hpp"
#include "common/status.hpp"
#include "actors/stats.hpp"
#include "console/console_server.hpp"

namespace pinpipe::actors {
class pipeline_runtime;
}

namespace pinpipe::cli {

/// nullptr (and ok) when [console] listen is "". The console reads the log through `log`
/// (may be null: no log on this node); `runtime` may be null (no pipeline role);
/// `log_file` is the node's log file ("" when it logs to the terminal).
result<std::unique_ptr<console::console_server>>
start_console(const config::config& cfg, std::shared_ptr<logclient::log_client> log,
              actors::pipeline_runtime* runtime, const std::string& node_endpoint,
              const std::string& log_file,
              std::function<actors::actor_stats()> node_api_stats = {});

/// The same over a node's engine (nodes/cmd_node.cpp holds one): read through a local
/// log_client that keeps `engine` alive.
result<std::unique_ptr<console::console_server>>
start_console(const config::config& cfg, std::shared_ptr<storage::log_store> engine,
              actors::pipeline_runtime* runtime, const std::string& node_endpoint,
              const std::string& log_file,
              std::function<actors::actor_stats()> node_api_stats = {});

} // namespace pinpipe::cli
