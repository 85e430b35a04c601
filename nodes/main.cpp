// The `pinpipe` binary: one process, many subcommands (nodes/command.hpp has the table).
// This is the only file that includes CLI11; CAF never sees argv (we do not call
// actor_system_config::parse), so CAF's own parser cannot reject our flags.
#include <algorithm>
#include <iostream>

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "nodes/cli_suggest.hpp"
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

// The options every subcommand accepts, also listed (and parsed) on each subcommand so
// that `pinpipe <command> --help` shows them.
void add_global_options(CLI::App& app, common_options& common) {
  auto* g = "global options";
  app.add_option("--config,-c", common.config_path, "config file (TOML); see docs/config.md")
      ->group(g);
  app.add_option("--broker,-b", common.broker,
                 "node endpoint, e.g. tcp://127.0.0.1:7070, or a comma-separated list of a cluster's nodes (the first that answers; default: [cluster] nodes, else [node] listen)")
      ->group(g);
  app.add_option("--server-key", common.server_key,
                 "the node's CURVE public key (default: [node] curve_public_key)")
      ->group(g);
  app.add_option("--client-key", common.client_key,
                 "this client's CURVE key pair: a file as `pinpipe keygen` writes it (for a "
                 "node with [node] curve_allowed_clients; default: a throwaway pair)")
      ->group(g);
  // `consume` and `status` have a --timeout-ms of their own (see their --help).
  if (!app.get_option_no_throw("--timeout-ms"))
    app.add_option("--timeout-ms", common.timeout_ms,
                   "how long to wait for the node's answer to a request, in ms (default 3000; "
                   "a refused connection fails at once)")
        ->check(CLI::Range(int64_t{1}, int64_t{3600000}))
        ->group(g);
}

// Builds the CLI11 tree; remembers which App belongs to which command.
void add_command(CLI::App& parent, const command& cmd,
                 std::vector<std::pair<CLI::App*, const command*>>& index,
                 common_options& common) {
  CLI::App* sub = parent.add_subcommand(cmd.name, cmd.help);
  add_options(*sub, cmd.options);
  add_global_options(*sub, common);
  if (!cmd.subcommands.empty()) sub->require_subcommand(1);
  for (const auto& child : cmd.subcommands)
    add_command(*sub, child, index, common);
  index.emplace_back(sub, &cmd);
}

// After a parse error: "did you mean --events?" for each flag that no command on the
// command line knows but that is close to one of theirs.
void print_suggestions(CLI::App& app,
                       const std::vector<std::pair<CLI::App*, const command*>>& index, int argc,
                       char** argv) {
  std::vector<const CLI::App*> path{&app};
  for (int i = 1; i < argc; ++i) // the subcommands named on the line, outermost first
    for (auto* sub : path.back()->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == argv[i]) {
        path.push_back(sub);
        break;
      }
  (void)index;
  std::vector<std::string> known;
  for (const auto* a : path)
    for (const auto* o : a->get_options())
      for (const auto& l : o->get_lnames())
        known.push_back("--" + l);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") continue;
    std::string name = arg.substr(0, arg.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (auto s = closest_flag(name, known))
      std::cerr << "did you mean " << *s << "? (instead of " << name << ")" << std::endl;
  }
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
  add_global_options(app, *common);

  std::vector<command> commands;
  for (auto factory : command_table())
    commands.push_back(factory(common));
  std::vector<std::pair<CLI::App*, const command*>> index;
  for (const auto& c : commands)
    add_command(app, c, index, *common);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << " (see `pinpipe --help` or `pinpipe <command> --help`)"
              << std::endl;
    print_suggestions(app, index, argc, argv);
    return 2;
  }
  request_timeout_ms = static_cast<int>(common->timeout_ms);
  // The deepest parsed command that has a run function (children come first in index).
  for (const auto& [sub, cmd] : index)
    if (sub->parsed() && cmd->run) return cmd->run();
  std::cerr << "error: no command given (see `pinpipe --help`)" << std::endl;
  return 2;
}
