// batch_bench: the batch path on a big lake. Generates a source database of `--source-rows`
// rows (pipeline/source), builds a lake of `--records` raw records with the lake writer
// (pipeline/lake/lake_writer.hpp; topics <uid>.pin/.geo/.user, partition 0, objects of 1,000
// records, the three rows of source events with random keys, so ind values repeat like a
// real emulator run), then runs the whole batch job (batch::run_batch: read the lake, clean,
// keep one row per ind, write the batch tables and dead letters, the 9 queries and their
// outputs) into a fresh warehouse. Prints raw lake records/s over the whole job and the
// per-stage timings.
//
//   batch_bench [--records N] [--source-rows R] [--threads T] [--quick]
//   (defaults: 1,000,000 records, 100,000 source rows, one clean thread per core)
//
// Target: >= 200,000 raw records/s on >= 1,000,000 records.
#include <cstdio>
#include <random>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"
#include "pipeline/batch/batch_job.hpp"
#include "pipeline/lake/lake_writer.hpp"
#include "pipeline/source/source_db.hpp"
#include "pipeline/warehouse/warehouse.hpp"

int main(int argc, char** argv) {
  using namespace pinpipe;
  const char* usage = "usage: batch_bench [--records N] [--source-rows R] [--threads T] [--quick]";
  bench::flags f(argc, argv);
  const bool quick = f.has("--quick");
  const long long records = f.integer("--records", quick ? 100000 : 1000000);
  const long long rows = f.integer("--source-rows", quick ? 20000 : 100000);
  const long long threads = f.integer("--threads", 0);
  bench::check_flags(f, {"--records", "--source-rows", "--threads", "--quick"}, usage);
  if (records < 3 || rows <= 0 || threads < 0) {
    std::fprintf(stderr, "bad flag value\n%s\n", usage);
    return 2;
  }
  logging::init("warn");
  const std::string uid = "0a60b9a8a831";
  bench::temp_dir dir("pinpipe-batch-bench");

  // 1. The source.
  bench::stopwatch sw;
  source::gen_options g;
  g.path = dir.sub("source.db");
  g.rows = rows;
  if (auto st = source::generate(g); !st.ok()) {
    std::fprintf(stderr, "generate: %s\n", st.to_string().c_str());
    return 2;
  }
  const double gen_s = sw.elapsed_s();
  auto db = source::source_db::open(g.path);
  if (!db) {
    std::fprintf(stderr, "open source: %s\n", db.error().to_string().c_str());
    return 2;
  }

  // 2. The lake: events with random keys, pin/geo/user rows into their topics.
  sw = bench::stopwatch{};
  lake::writer_options wo;
  wo.lake_dir = dir.sub("lake");
  lake::lake_writer writer(wo);
  const std::string topics[3] = {uid + ".pin", uid + ".geo", uid + ".user"};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> key(0, rows - 1);
  int64_t next[3] = {0, 0, 0};
  int64_t written = 0;
  int64_t ts = 1700000000000;
  while (written < records) {
    auto ev = (*db)->event(key(rng));
    if (!ev) {
      std::fprintf(stderr, "source event: %s\n", ev.error().to_string().c_str());
      return 2;
    }
    const std::string* vals[3] = {&ev->pin, &ev->geo, &ev->user};
    for (int t = 0; t < 3 && written < records; ++t, ++written)
      if (auto st = writer.add(topics[t], 0, next[t]++, ts, *vals[t]); !st.ok()) {
        std::fprintf(stderr, "lake add: %s\n", st.to_string().c_str());
        return 2;
      }
    ts += 1;
  }
  if (auto st = writer.flush_all(); !st.ok()) {
    std::fprintf(stderr, "lake flush: %s\n", st.to_string().c_str());
    return 2;
  }
  const double lake_s = sw.elapsed_s();
  std::printf("source: %lld rows per table in %.2f s; lake: %lld records in %lld objects in "
              "%.2f s\n",
              rows, gen_s, records, static_cast<long long>(writer.objects_written()), lake_s);

  // 3. The batch job.
  auto wh = warehouse::warehouse::open(dir.sub("warehouse.db"), uid);
  if (!wh) {
    std::fprintf(stderr, "warehouse: %s\n", wh.error().to_string().c_str());
    return 2;
  }
  batch::batch_options bo;
  bo.lake_dir = wo.lake_dir;
  bo.uid = uid;
  bo.results_dir = dir.sub("results");
  bo.run_id = "bench";
  bo.clean_threads = static_cast<int>(threads);
  auto rep = batch::run_batch(**wh, bo);
  if (!rep) {
    std::fprintf(stderr, "run_batch: %s\n", rep.error().to_string().c_str());
    return 2;
  }
  const bool ok = rep->records_read == records &&
                  rep->records_cleaned + rep->dead_letters - rep->lake_problems == records &&
                  rep->outputs.size() == 9;
  std::printf("batch job: %lld raw records read, %lld cleaned, %lld dead letters, rows "
              "pin/geo/user %lld/%lld/%lld, %lld duplicates dropped, %zu query outputs\n",
              static_cast<long long>(rep->records_read),
              static_cast<long long>(rep->records_cleaned),
              static_cast<long long>(rep->dead_letters), static_cast<long long>(rep->pin_rows),
              static_cast<long long>(rep->geo_rows), static_cast<long long>(rep->user_rows),
              static_cast<long long>(rep->duplicates_dropped), rep->outputs.size());
  std::vector<std::pair<std::string, std::string>> kv{
      {"records", std::to_string(rep->records_read)},
      {"secs", bench::num(rep->total_seconds, "%.3f")},
      {"rps", bench::num(rep->records_per_second(), "%.0f")}};
  for (const auto& s : rep->stages) {
    std::printf("  stage %-20s %8.3f s\n", s.stage.c_str(), s.seconds);
    std::string k = s.stage;
    for (auto& c : k)
      if (c == ' ' || c == '+') c = '_';
    kv.emplace_back(k + "_s", bench::num(s.seconds, "%.3f"));
  }
  kv.emplace_back("check", ok ? "ok" : "failed");
  std::printf("batch job total %.2f s: %.0f raw records/s (loaded, cleaned and queried) (%s)\n",
              rep->total_seconds, rep->records_per_second(), ok ? "counts ok" : "COUNTS FAILED");
  bench::print_figure("batch", "run_batch", kv);
  return ok ? 0 : 1;
}
