// Warehouse write throughput: the stream sink's path (apply_stream, batches of 5,000 pin rows,
// one transaction each) and the batch path (replace_batch_tables). Prints rows/s and asserts a
// floor well under the 200,000 rows/s design target, so that a shared, busy machine still passes.
#include "pipeline/warehouse/warehouse.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <gtest/gtest.h>

#include "tests/warehouse/test_util.hpp"

namespace pinpipe::warehouse {
namespace {

using namespace testing;

// Wall and CPU seconds of a piece of work. The floor is checked on CPU time, which a busy
// shared machine disturbs far less than wall time (SQLite here is single-threaded and the WAL
// writes are not fsynced per commit, so CPU time is most of the cost).
struct timing {
  double wall, cpu;
};
template <class F> timing measure(F&& work) {
  auto w0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  work();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count(),
          double(std::clock() - c0) / CLOCKS_PER_SEC};
}

TEST(WarehouseBench, StreamApplyWritesAtLeast50kPinRowsPerSecond) {
  temp_dir dir;
  auto w = warehouse::open(dir.file("w.db"), "0a60b9a8a831");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  const int64_t total = 200000, batch = 5000;
  std::vector<stream_batch> batches;
  for (int64_t o = 0; o < total; o += batch)
    batches.push_back(pin_batch("streaming-0a60b9a8a831-pin", 0, o, o + batch));
  bool ok = true;
  auto t = measure([&] {
    for (auto& b : batches)
      ok = ok && (*w)->apply_stream(b).ok();
  });
  ASSERT_TRUE(ok);
  std::printf("warehouse apply_stream: %.0f pin rows/s of CPU time (%.0f rows/s wall)\n",
              total / t.cpu, total / t.wall);
  EXPECT_EQ(*(*w)->count("0a60b9a8a831_pin_table"), total);
  EXPECT_GE(total / t.cpu, 50000.0);
}

TEST(WarehouseBench, ReplaceBatchTablesWritesAtLeast50kRowsPerSecond) {
  temp_dir dir;
  auto w = warehouse::open(dir.file("w.db"), "0a60b9a8a831");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  const int64_t n = 100000;
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
  ASSERT_TRUE(st.ok()) << st.to_string();
  std::printf("warehouse replace_batch_tables: %.0f rows/s of CPU time (%.0f rows/s wall), "
              "pin, geo and user rows in equal numbers\n",
              3 * n / t.cpu, 3 * n / t.wall);
  EXPECT_EQ(*(*w)->count("user_clean"), n);
  EXPECT_GE(3 * n / t.cpu, 50000.0);
}

} // namespace
} // namespace pinpipe::warehouse
