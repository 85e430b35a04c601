// `pinpipe log verify [--data-dir D]` and
// `pinpipe log repair --topic T --partition P [--data-dir D] [--yes]`: the operator's
// tools for damaged log data (storage/log_check.hpp). Both work on the files directly;
// repair needs the node stopped (it takes the log's lock).
#include <filesystem>
#include <iostream>

#include "common/logging.hpp"
#include "nodes/command.hpp"
#include "pipeline/paths.hpp"
#include "storage/log_check.hpp"

namespace pinpipe::cli {
namespace {

struct log_flags {
  std::string data_dir;
  std::string topic;
  int32_t partition = -1;
  bool yes = false;
};

/// <data dir>/log, the data dir from --data-dir or the config's [node] data_dir.
result<std::string> log_dir_of(const common_options& common, const log_flags& f) {
  auto cfg = load_config(common);
  if (!cfg) return cfg.error();
  const std::string data_dir = f.data_dir.empty() ? cfg->node.data_dir : f.data_dir;
  const std::string dir = data_paths::of(data_dir, *cfg).log;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return status{errc::invalid_argument,
                  "no log in " + data_dir + " (" + dir +
                      " does not exist); pass the node's data directory with --data-dir"};
  }
  return dir;
}

int run_verify(const common_options& common, const log_flags& f) {
  auto dir = log_dir_of(common, f);
  if (!dir) return fail(dir.error());
  auto r = storage::verify_log(*dir);
  if (!r) return fail(r.error());
  for (const auto& d : r->damage)
    std::cout << "damaged: " << d.topic << "/" << d.partition << " " << storage::describe(d)
              << "\n";
  std::cout << "checked " << r->topics << " topics, " << r->partitions << " partitions, "
            << r->segments << " segments, " << r->batches << " verified batches: "
            << r->damage.size() << " damaged\n";
  if (!r->damage.empty()) {
    std::cout << "repair a partition (node stopped) with `pinpipe log repair --data-dir "
                 "DIR --topic T --partition P`\n";
  }
  return r->damage.empty() ? 0 : 1;
}

int run_repair(const common_options& common, const log_flags& f) {
  if (f.partition < 0) return fail("--partition is missing or negative", "pass --partition N");
  auto dir = log_dir_of(common, f);
  if (!dir) return fail(dir.error());
  logging::init("warn");
  auto plan = storage::repair_partition(*dir, f.topic, partition_id{f.partition}, f.yes);
  if (!plan) return fail(plan.error());
  const std::string verb = f.yes ? "rewrote" : "would rewrite";
  for (const auto& h : plan->headers)
    std::cout << verb << " the header of " << storage::describe(h) << "\n";
  if (!plan->needed) {
    std::cout << f.topic << "/" << f.partition << ": nothing to cut"
              << (plan->headers.empty() ? " (no damage)" : "") << "\n";
    return 0;
  }
  std::cout << "first damage: " << storage::describe(plan->first) << "\n";
  std::cout << (f.yes ? "cut " : "would cut ") << plan->cut_file << " at byte " << plan->cut_pos
            << "\n";
  for (const auto& file : plan->files)
    std::cout << (f.yes ? "deleted " : "would delete ") << file << "\n";
  std::cout << (f.yes ? "done: " : "if cut: ") << storage::removed_text(*plan) << ", "
            << plan->removed_bytes << " bytes\n";
  if (!f.yes) {
    std::cout << "nothing changed; run again with --yes to make this cut (the next record "
                 "appended gets offset "
              << plan->removed_from << ")\n";
  } else {
    std::cout << "logged in " << plan->partition_dir << "/repairs.txt\n";
  }
  return 0;
}

} // namespace

command make_log_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<log_flags>();
  command verify{"verify",
                 "check every batch of every segment; exit code 1 when any is damaged",
                 {{"--data-dir", "data directory (default: [node] data_dir)", &f->data_dir}},
                 [common, f] { return run_verify(*common, *f); },
                 {}};
  command repair{
      "repair",
      "cut one partition at its first damage (node stopped; a dry run without --yes)",
      {{"--data-dir", "data directory (default: [node] data_dir)", &f->data_dir},
       {"--topic", "topic of the partition", &f->topic, true},
       {"--partition", "partition number", &f->partition, true},
       {"--yes", "make the cut (without it: only print what would be removed)", &f->yes}},
      [common, f] { return run_repair(*common, *f); },
      {}};
  command c;
  c.name = "log";
  c.help = "verify or repair the log's files (damaged batches)";
  c.subcommands = {verify, repair};
  return c;
}

} // namespace pinpipe::cli
