// source_gen_bench: how fast the source database is generated (pipeline/source): N rows
// per table (default 1,000,000) written to a SQLite file in a temp dir. Prints rows/s
// (per table and over all three tables) and the file size.
//
//   source_gen_bench [--rows N] [--quick]      (--quick: 100,000 rows)
#include <cstdio>
#include <filesystem>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "pipeline/source/source_db.hpp"

int main(int argc, char** argv) {
  using namespace pinpipe;
  const char* usage = "usage: source_gen_bench [--rows N] [--quick]";
  bench::flags f(argc, argv);
  const long long rows = f.integer("--rows", f.has("--quick") ? 100000 : 1000000);
  bench::check_flags(f, {"--rows", "--quick"}, usage);
  if (rows <= 0) {
    std::fprintf(stderr, "--rows must be positive\n%s\n", usage);
    return 2;
  }
  bench::temp_dir dir("pinpipe-source-bench");
  source::gen_options opt;
  opt.path = dir.sub("source.db");
  opt.rows = rows;
  bench::stopwatch w;
  if (auto st = source::generate(opt); !st.ok()) {
    std::fprintf(stderr, "generate: %s\n", st.to_string().c_str());
    return 1;
  }
  const double secs = w.elapsed_s();
  auto db = source::source_db::open(opt.path);
  const bool ok = db && (*db)->row_count() == rows;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(opt.path, ec);
  std::printf("generated %lld rows per table in %.2f s: %.0f rows/s per table, %.0f rows/s "
              "over all three tables, file %.1f MB\n",
              rows, secs, rows / secs, 3 * rows / secs, ec ? 0.0 : bytes / 1e6);
  bench::print_figure("source_gen", "generate",
                      {{"rows_per_table", std::to_string(rows)},
                       {"secs", bench::num(secs, "%.2f")},
                       {"rows_per_s", bench::num(rows / secs, "%.0f")},
                       {"mb", bench::num(ec ? 0.0 : bytes / 1e6)},
                       {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}
