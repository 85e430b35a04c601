// lake_read_bench: the lake reader's speed (pipeline/lake/lake_reader.hpp). Writes
// `--objects` objects of 1,000 ~300-byte JSON lines (a geo/user-like mix, with multi-byte
// UTF-8) into a temp lake, then reads them back with read_lake (UTF-8 + JSON check per
// line). Prints records/s of wall time and of this thread's CPU time; the first read is
// from the page cache (the files were just written).
//
//   lake_read_bench [--objects N] [--quick]      (default 400 objects = 400,000 records)
//
// Target: > 1,000,000 records/s.
#include <time.h>

#include <cstdio>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "pipeline/lake/lake_reader.hpp"
#include "pipeline/lake/lake_writer.hpp"
#include "tests/lake/lake_test_util.hpp"

int main(int argc, char** argv) {
  using namespace pinpipe;
  const char* usage = "usage: lake_read_bench [--objects N] [--quick]";
  bench::flags f(argc, argv);
  const long long objects = f.integer("--objects", f.has("--quick") ? 100 : 400);
  bench::check_flags(f, {"--objects", "--quick"}, usage);
  if (objects <= 0) {
    std::fprintf(stderr, "--objects must be positive\n%s\n", usage);
    return 2;
  }
  const int per_object = 1000;
  bench::temp_dir d("pinpipe-lake-bench");
  std::string body;
  for (int i = 0; i < per_object; ++i)
    body += "{\"ind\": " + std::to_string(i) +
            ", \"timestamp\": \"2020-08-28 03:52:47\", \"latitude\": -89.9787, \"longitude\": "
            "-173.293, \"country\": \"Albania\", \"first_name\": \"Ren\xc3\xa9\", "
            "\"last_name\": \"Smith\", \"age\": 33, \"date_joined\": \"2016-10-10 07:09:50\", "
            "\"note\": \"some longer text to reach a realistic size \xe2\x80\xa6\"}\n";
  for (long long o = 0; o < objects; ++o)
    lake::test::write_text(d.sub(lake::object_key("u.geo", 0, o * per_object)), body);

  auto cpu_now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
  };
  int64_t n = 0, bytes = 0, problems = 0;
  const double c0 = cpu_now();
  bench::stopwatch w;
  auto st = lake::read_lake(
      d.path(), "u",
      [&](const lake::lake_record& r) {
        ++n;
        bytes += static_cast<int64_t>(r.raw.size());
      },
      [&](const lake::lake_problem&) { ++problems; });
  const double cpu = cpu_now() - c0, wall = w.elapsed_s();
  if (!st.ok()) {
    std::fprintf(stderr, "read_lake: %s\n", st.to_string().c_str());
    return 1;
  }
  const bool ok = n == objects * per_object && problems == 0;
  std::printf("read %lld records (%.0f MB) in %.3f s wall (%.0f records/s, %.0f MB/s), "
              "%.3f s CPU (%.0f records/s)\n",
              static_cast<long long>(n), bytes / 1e6, wall, n / wall, bytes / 1e6 / wall, cpu,
              n / cpu);
  bench::print_figure("lake_read", "read_lake",
                      {{"records", std::to_string(n)},
                       {"wall_rps", bench::num(n / wall, "%.0f")},
                       {"cpu_rps", bench::num(n / cpu, "%.0f")},
                       {"mbps", bench::num(bytes / 1e6 / wall)},
                       {"check", ok ? "ok" : "failed"}});
  return ok ? 0 : 1;
}
