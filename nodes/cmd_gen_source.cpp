// `pinpipe gen-source [--data-dir D] [--rows N] [--seed S] [--force]`: writes the source
// database D/source.db (the course's RDS counterpart, docs/source-data.md) with progress.
// An existing file is kept unless --force: generating replaces it atomically (tmp + rename).
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "common/logging.hpp"
#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "pipeline/paths.hpp"
#include "pipeline/source/source_db.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

struct gen_source_flags {
  std::string data_dir;
  int64_t rows = 11153;
  int64_t seed = 1;
  bool force = false;
};

int run_gen_source(const common_options& common, const gen_source_flags& f) {
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  if (f.rows <= 0) return fail("--rows must be positive", "give the number of rows per table");
  if (f.seed < 0) return fail("--seed must be >= 0", "give a non-negative seed");
  logging::init("warn"); // the terminal shows progress; warnings and errors only
  const auto paths = data_paths::of(cfg->node.data_dir, *cfg);
  std::error_code ec;
  if (fs::exists(paths.source, ec) && !f.force)
    return fail(paths.source + " already exists",
                "use it as it is, or pass --force to generate a new one over it");
  fs::create_directories(paths.root, ec);
  if (ec)
    return fail("cannot create data directory " + paths.root + ": " + ec.message(),
                "choose another --data-dir");

  std::cout << "generating " << paths.source << " (" << f.rows << " rows per table, seed " << f.seed
            << ")" << std::endl;
  progress_line progress(std::cout, isatty(STDOUT_FILENO));
  source::gen_options g;
  g.path = paths.source;
  g.rows = f.rows;
  g.seed = static_cast<uint64_t>(f.seed);
  g.progress = [&](int64_t done, int64_t total) {
    progress.update("  " + std::to_string(done) + "/" + std::to_string(total) + " rows");
  };
  if (auto st = source::generate(g); !st.ok()) return fail(st);
  progress.finish("  " + std::to_string(f.rows) + "/" + std::to_string(f.rows) + " rows");
  std::cout << "wrote " << paths.source << ": tables pinterest_data, geolocation_data, user_data"
            << " with keys 0.." << f.rows - 1 << std::endl;
  return 0;
}

} // namespace

command make_gen_source_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<gen_source_flags>();
  command c;
  c.name = "gen-source";
  c.help = "generate the source database <data-dir>/source.db (the course's RDS tables)";
  c.options = {
      {"--data-dir", "data directory (default: [node] data_dir, ./data)", &f->data_dir},
      {"--rows", "rows per table, keys 0..rows-1 (default 11153)", &f->rows},
      {"--seed", "generator seed; same seed and rows give identical tables (default 1)", &f->seed},
      {"--force", "replace an existing source.db", &f->force},
  };
  c.run = [common, f] { return run_gen_source(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
