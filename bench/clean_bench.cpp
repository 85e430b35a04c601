// clean_bench: cleaning throughput on one core. The real sample records of
// tests/clean/data (pin, geo and user in equal numbers, as the emulator sends them) are
// cleaned over and over with the default JSON backend (simdjson when built with it) and
// with the nlohmann fallback. Prints records/s of CPU time and of wall time.
//
//   clean_bench [--events N] [--quick]      (N events = 3N records; default 100,000)
//
// Design target: >= 300,000 records/s on one core; the stream path needs >= 100,000/s.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "pipeline/clean/cleaner.hpp"
#include "pipeline/clean/json_fields.hpp"

namespace {

using namespace pinpipe;
using json = nlohmann::json;

const char* usage = "usage: clean_bench [--events N] [--quick]";

std::vector<std::string> values(const std::string& name) {
  std::ifstream in(std::string(PINPIPE_CLEAN_TEST_DATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> out;
  try {
    for (auto& rec : json::parse(ss.str()))
      out.push_back(rec["value"].dump());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot read %s: %s\n", name.c_str(), e.what());
    std::exit(2);
  }
  return out;
}

void run(clean::detail::json_backend backend, const char* name, std::size_t events) {
  static const auto pins = values("pin_consumer.json"), geos = values("geo_consumer.json"),
                    users = values("user_consumer.json");
  std::size_t ok = 0;
  std::clock_t c0 = std::clock();
  bench::stopwatch wall;
  for (std::size_t i = 0; i < events; ++i) {
    ok += clean::detail::clean_with(backend, clean::kind::pin, pins[i % pins.size()]).ok();
    ok += clean::detail::clean_with(backend, clean::kind::geo, geos[i % geos.size()]).ok();
    ok += clean::detail::clean_with(backend, clean::kind::user, users[i % users.size()]).ok();
  }
  const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC, secs = wall.elapsed_s();
  const double n = 3.0 * double(events);
  std::printf("clean %s: %.0f records in %.3f s wall, %.3f s CPU: %.0f records/s CPU, "
              "%.0f records/s wall (%zu accepted)\n",
              name, n, secs, cpu, n / cpu, n / secs, ok);
  bench::print_figure("clean", name,
                      {{"records", bench::num(n, "%.0f")},
                       {"cpu_rps", bench::num(n / cpu, "%.0f")},
                       {"wall_rps", bench::num(n / secs, "%.0f")},
                       {"accepted", std::to_string(ok)}});
}

} // namespace

int main(int argc, char** argv) {
  bench::flags f(argc, argv);
  const long long events = f.integer("--events", f.has("--quick") ? 20000 : 100000);
  bench::check_flags(f, {"--events", "--quick"}, usage);
  if (events <= 0) {
    std::fprintf(stderr, "--events must be positive\n%s\n", usage);
    return 2;
  }
  run(clean::detail::default_backend(),
      clean::detail::have_simdjson() ? "simdjson-default" : "nlohmann-default",
      static_cast<std::size_t>(events));
  run(clean::detail::json_backend::nlohmann, "nlohmann", static_cast<std::size_t>(events));
  return 0;
}
