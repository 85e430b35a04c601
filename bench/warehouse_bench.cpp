// warehouse_bench: warehouse write throughput on a real SQLite file in a temp dir.
//  - stream: the sink's path, apply_stream() with batches of 5,000 pin rows, one
//    transaction each (rows + position);
//  - batch: replace_batch_tables() with pin, geo and user rows in equal numbers.
// Prints rows/s of wall time and of CPU time.
//
//   warehouse_bench [--rows N] [--quick]      (default 200,000 stream rows, 100,000 per table)
#include <cstdio>
#include <ctime>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "pipeline/warehouse/warehouse.hpp"
#include "tests/warehouse/test_util.hpp"

namespace {

using namespace pinpipe;
using namespace pinpipe::warehouse::testing;

const char* usage = "usage: warehouse_bench [--rows N] [--quick]";

struct timing {
  double wall, cpu;
};
template <class F> timing measure(F&& work) {
  bench::stopwatch w;
  std::clock_t c0 = std::clock();
  work();
  return {w.elapsed_s(), double(std::clock() - c0) / CLOCKS_PER_SEC};
}

int stream_case(int64_t total) {
  bench::temp_dir dir("pinpipe-warehouse-bench");
  auto w = warehouse::warehouse::open(dir.sub("w.db"), "0a60b9a8a831");
  if (!w) {
    std::fprintf(stderr, "open: %s\n", w.error().to_string().c_str());
    return 1;
  }
  const int64_t batch = 5000;
  std::vector<warehouse::stream_batch> batches;
  for (int64_t o = 0; o < total; o += batch)
    batches.push_back(pin_batch("streaming-0a60b9a8a831-pin", 0, o, std::min(total, o + batch)));
  status st;
  auto t = measure([&] {
    for (auto& b : batches)
      if (st.ok()) st = (*w)->apply_stream(b);
  });
  if (!st.ok()) {
    std::fprintf(stderr, "apply_stream: %s\n", st.to_string().c_str());
    return 1;
  }
  auto n = (*w)->count("0a60b9a8a831_pin_table");
  std::printf("warehouse apply_stream: %lld pin rows, %.0f rows/s wall, %.0f rows/s CPU\n",
              static_cast<long long>(total), total / t.wall, total / t.cpu);
  bench::print_figure("warehouse", "apply_stream",
                      {{"rows", std::to_string(total)},
                       {"wall_rps", bench::num(total / t.wall, "%.0f")},
                       {"cpu_rps", bench::num(total / t.cpu, "%.0f")},
                       {"check", n && *n == total ? "ok" : "failed"}});
  return n && *n == total ? 0 : 1;
}

int batch_case(int64_t n) {
  bench::temp_dir dir("pinpipe-warehouse-bench");
  auto w = warehouse::warehouse::open(dir.sub("w.db"), "0a60b9a8a831");
  if (!w) {
    std::fprintf(stderr, "open: %s\n", w.error().to_string().c_str());
    return 1;
  }
  std::vector<clean::pin_row> pins;
  std::vector<clean::geo_row> geos;
  std::vector<clean::user_row> users;
  for (int64_t i = 0; i < n; ++i) {
    pins.push_back(make_pin(i));
    geos.push_back(make_geo(i));
    users.push_back(make_user(i));
  }
  status st;
  auto t = measure([&] { st = (*w)->replace_batch_tables(pins, geos, users); });
  if (!st.ok()) {
    std::fprintf(stderr, "replace_batch_tables: %s\n", st.to_string().c_str());
    return 1;
  }
  auto c = (*w)->count("user_clean");
  std::printf("warehouse replace_batch_tables: %lld rows, %.0f rows/s wall, %.0f rows/s CPU\n",
              static_cast<long long>(3 * n), 3 * n / t.wall, 3 * n / t.cpu);
  bench::print_figure("warehouse", "replace_batch_tables",
                      {{"rows", std::to_string(3 * n)},
                       {"wall_rps", bench::num(3 * n / t.wall, "%.0f")},
                       {"cpu_rps", bench::num(3 * n / t.cpu, "%.0f")},
                       {"check", c && *c == n ? "ok" : "failed"}});
  return c && *c == n ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  bench::flags f(argc, argv);
  const long long rows = f.integer("--rows", f.has("--quick") ? 40000 : 200000);
  bench::check_flags(f, {"--rows", "--quick"}, usage);
  if (rows <= 0) {
    std::fprintf(stderr, "--rows must be positive\n%s\n", usage);
    return 2;
  }
  int rc = stream_case(rows);
  rc |= batch_case(rows / 2);
  return rc;
}
