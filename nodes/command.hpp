// The subcommand table of the `pinpipe` binary, without CLI11 (only main.cpp includes
// CLI11). A command describes its options as plain `option` rows pointing at variables it
// owns; main.cpp turns the rows into CLI11 options, parses, and calls `run`.
//
// To add a subcommand (simulate, gen-source, emulate, batch, query, status, bench, ...):
// write nodes/cmd_<name>.cpp with a `command make_<name>_command(const common_options&)`,
// declare it below, add it to `command_table()` in commands.cpp and the .cpp to
// nodes/CMakeLists.txt. Errors go through `fail(...)`: "error: <what> (<what to do>)" on
// stderr and a non-zero exit code.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/config.hpp"
#include "common/status.hpp"
#include "transport/client.hpp"

namespace pinpipe::cli {

/// Options every subcommand accepts (`--config`, `--broker`, `--server-key`).
struct common_options {
  std::string config_path;
  std::string broker;     ///< empty: from the config ([node] listen)
  std::string server_key; ///< empty: from the config ([node] curve_public_key)
  std::string client_key; ///< --client-key: a key file as `pinpipe keygen` writes it
  int64_t timeout_ms = 3000; ///< --timeout-ms: how long one request to the node may take
};

/// One option row. `flags` is CLI11 syntax: "--partitions,-p", or a bare name for a
/// positional argument. A bool target is a flag without value.
struct option {
  std::string flags;
  std::string help;
  std::variant<std::string*, int64_t*, int32_t*, bool*> target;
  bool required = false;
};

struct command {
  std::string name;
  std::string help;
  std::vector<option> options;
  std::function<int()> run; ///< exit code; unset for a pure group (e.g. "topics")
  std::vector<command> subcommands;
};

using command_factory = command (*)(const std::shared_ptr<common_options>&);

/// Every subcommand, in help order.
std::vector<command_factory> command_table();

command make_node_command(const std::shared_ptr<common_options>& common);
command make_topics_command(const std::shared_ptr<common_options>& common);
command make_produce_command(const std::shared_ptr<common_options>& common);
command make_consume_command(const std::shared_ptr<common_options>& common);
command make_keygen_command(const std::shared_ptr<common_options>& common);
command make_simulate_command(const std::shared_ptr<common_options>& common);
command make_gen_source_command(const std::shared_ptr<common_options>& common);
command make_emulate_command(const std::shared_ptr<common_options>& common);
command make_batch_command(const std::shared_ptr<common_options>& common);
command make_query_command(const std::shared_ptr<common_options>& common);
command make_status_command(const std::shared_ptr<common_options>& common);
command make_log_command(const std::shared_ptr<common_options>& common);
command make_cluster_command(const std::shared_ptr<common_options>& common);

// -- helpers for command implementations --------------------------------------------------

/// Prints "error: <what> (<fix>)" to stderr and returns 1.
int fail(const std::string& what, const std::string& fix);
/// Same from a status (its message usually already says what to do).
int fail(const status& st);
/// Bad usage (a flag value that is not allowed): "error: <what>" on stderr and exit code 2,
/// like the parser's own usage errors (docs/cli.md, "Exit codes").
int fail_usage(const std::string& what);

/// Loads the config named by --config (defaults + env when none).
result<config::config> load_config(const common_options& common);

/// A client connected to --broker (or the config's [node] listen, with 0.0.0.0/* mapped
/// to 127.0.0.1), using --server-key (or the config's public key) for CURVE.
result<std::unique_ptr<transport::client>> connect_broker(const common_options& common);

/// Timeout of one request from the CLI: --timeout-ms (main.cpp sets it before a command
/// runs; default 3000). A refused connection fails at once instead (transport/client.hpp).
inline int request_timeout_ms = 3000;

} // namespace pinpipe::cli
