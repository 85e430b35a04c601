// The `pinpipe` binary: one process, many subcommands (nodes/command.hpp has the table).
// This is the only file that includes CLI11; CAF never sees argv (we do not call
// actor_system_config::parse), so CAF's own parser cannot reject our flags.
#include <iostream>

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "nodes/command.hpp"

namespace {

using namespace pinpipe::cli;

void add_options(CLI::App& app, const std::vector<option>& opts) {
  for (const auto& o : opts) {
    CLI::Option* added = std::visit(
        [&](auto* target) -> CLI::Option* {
          using T = std::remove_pointer_t<decltype(target)>;
          if constexpr (std::is_same_v<T, bool>)
            return app.add_flag(o.flags, *target, o.help);
          else
            return app.add_option(o.flags, *target, o.help);
        },
        o.target);
    if (o.required) added->required();
  }
}

// Builds the CLI11 tree; remembers which App belongs to which command.
void add_command(CLI::App& parent, const command& cmd,
                 std::vector<std::pair<CLI::App*, const command*>>& index) {
  CLI::App* sub = parent.add_subcommand(cmd.name, cmd.help);
  add_options(*sub, cmd.options);
  if (!cmd.subcommands.empty()) sub->require_subcommand(1);
  for (const auto& child : cmd.subcommands)
    add_command(*sub, child, index);
  index.emplace_back(sub, &cmd);
}

} // namespace

int main(int argc, char** argv) {
  // Fetch replies and merged batches are a few hundred KiB to a few MiB. Past glibc's
  // default mmap threshold each one is a fresh mapping: page faults on every use and a
  // TLB shootdown on every free. Keep them on the heap, and keep freed heap around.
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  auto common = std::make_shared<common_options>();
  CLI::App app{"pinpipe: a self-hosted Pinterest data pipeline (log, lake, warehouse)"};
  app.require_subcommand(1);
  app.fallthrough(); // global options may follow the subcommand
  app.add_option("--config,-c", common->config_path, "config file (TOML); see docs/config.md");
  app.add_option("--broker,-b", common->broker,
                 "node endpoint, e.g. tcp://127.0.0.1:7070 (default: [node] listen)");
  app.add_option("--server-key", common->server_key,
                 "the node's CURVE public key (default: [node] curve_public_key)");
  app.add_option("--client-key", common->client_key,
                 "this client's CURVE key pair: a file as `pinpipe keygen` writes it (for a "
                 "node with [node] curve_allowed_clients; default: a throwaway pair)");
  app.add_option("--timeout-ms", common->timeout_ms,
                 "how long to wait for the node's answer to a request, in ms (default 3000; "
                 "a refused connection fails at once)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));

  std::vector<command> commands;
  for (auto factory : command_table())
    commands.push_back(factory(common));
  std::vector<std::pair<CLI::App*, const command*>> index;
  for (const auto& c : commands)
    add_command(app, c, index);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << " (see `pinpipe --help` or `pinpipe <command> --help`)"
              << std::endl;
    return 2;
  }
  request_timeout_ms = static_cast<int>(common->timeout_ms);
  // The deepest parsed command that has a run function (children come first in index).
  for (const auto& [sub, cmd] : index)
    if (sub->parsed() && cmd->run) return cmd->run();
  std::cerr << "error: no command given (see `pinpipe --help`)" << std::endl;
  return 2;
}
