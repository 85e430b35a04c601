// log_bench: in-process benchmark of the durable log (open_file_log). For acks
// leader/all, 1 and 8 producer threads and batches of 1, 16 and 256 records (~420-byte
// JSON pin records) it reports records/s, MB/s, ack latency p50/p99/p99.9 and fsyncs/s.
// Each producer thread sends one batch at a time and waits for its ack.
//
//   log_bench [--seconds S] [--quick] [--dir DIR] [--no-preallocate] [--flush-delay-us N]
//             [--acks leader|all]
//
// Uses a fresh temp directory under /tmp (or under --dir) and deletes it afterwards.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/logging.hpp"
#include "storage/file_log.hpp"
#include "storage/log.hpp"

namespace {

using namespace pinpipe;
using namespace pinpipe::storage;
using clock_type = std::chrono::steady_clock;

struct options {
  double seconds = 2.0;
  std::string dir;
  bool preallocate = true;
  int32_t flush_delay_us = 0;
  std::string only_acks; ///< "leader" or "all": run only those cases
};

/// A pin record like the emulator sends (PIPELINE.md section 1), about 420 bytes.
std::string pin_json(int64_t i) {
  char buf[640];
  std::snprintf(buf, sizeof buf,
                "{\"index\":%lld,\"unique_id\":\"%08llx-3442-4773-b19e-d3ec6f54dddf\","
                "\"title\":\"DIY Home Decor Ideas\","
                "\"description\":\"Weekend projects that make a rented flat feel like "
                "home.\",\"poster_name\":\"Home Stories\","
                "\"follower_count\":\"124k\",\"tag_list\":\"Home Decor,Diy Decor,Apartment\","
                "\"is_image_or_video\":\"image\",\"image_src\":\"https://i.pinimg.com/"
                "d5f2aa.jpg\",\"downloaded\":1,"
                "\"save_location\":\"Local save in /data/diy-and-crafts\","
                "\"category\":\"diy-and-crafts\"}",
                static_cast<long long>(i), static_cast<unsigned long long>(i * 2654435761u));
  return buf;
}

struct case_result {
  double records_per_s = 0, mb_per_s = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double fsyncs_per_s = 0;
  int64_t errors = 0;
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

case_result run_case(log_store& log, const std::string& topic, acks a, int producers, int batch,
                     double seconds) {
  std::vector<record> templ;
  int64_t payload = 0;
  for (int i = 0; i < batch; ++i) {
    record r;
    r.key = "user-" + std::to_string(i % 97);
    r.value = pin_json(i);
    payload += static_cast<int64_t>(r.value.size() + r.key->size());
    templ.push_back(std::move(r));
  }
  std::atomic<int64_t> batches{0}, errors{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(producers));
  const auto stats_before = file_log_stats_of(log).value_or(file_log_stats{});
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      auto& my = lat[static_cast<size_t>(t)];
      my.reserve(1 << 16);
      std::promise<bool> p;
      while (clock_type::now() < deadline) {
        produce_request req;
        req.topic = topic;
        req.required_acks = a;
        req.records = templ;
        p = std::promise<bool>();
        auto f = p.get_future();
        const auto t0 = clock_type::now();
        log.produce(std::move(req), [&p](produce_result r) { p.set_value(r.st.ok()); });
        const bool ok = f.get();
        my.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
        if (ok)
          ++batches;
        else
          ++errors;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  const auto stats_after = file_log_stats_of(log).value_or(file_log_stats{});
  std::vector<double> all;
  for (auto& v : lat)
    all.insert(all.end(), v.begin(), v.end());
  case_result r;
  r.records_per_s = static_cast<double>(batches.load()) * batch / elapsed;
  r.mb_per_s = static_cast<double>(batches.load()) * static_cast<double>(payload) / elapsed / 1e6;
  r.p50_us = percentile(all, 0.50);
  r.p99_us = percentile(all, 0.99);
  r.p999_us = percentile(all, 0.999);
  r.fsyncs_per_s = static_cast<double>(stats_after.fsyncs - stats_before.fsyncs) / elapsed;
  r.errors = errors.load();
  return r;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--seconds S] [--quick] [--dir DIR] [--no-preallocate] "
               "[--flush-delay-us N] [--acks leader|all]\n",
               argv0);
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick")
      opt.seconds = 0.2;
    else if (a == "--seconds" && i + 1 < argc)
      opt.seconds = std::atof(argv[++i]);
    else if (a == "--dir" && i + 1 < argc)
      opt.dir = argv[++i];
    else if (a == "--no-preallocate")
      opt.preallocate = false;
    else if (a == "--acks" && i + 1 < argc)
      opt.only_acks = argv[++i];
    else if (a == "--flush-delay-us" && i + 1 < argc)
      opt.flush_delay_us = std::atoi(argv[++i]);
    else
      return usage(argv[0]);
  }
  if (opt.seconds <= 0 || opt.seconds > 600) return usage(argv[0]);
  pinpipe::logging::init("warn");

  std::string base = opt.dir.empty() ? std::string("/tmp") : opt.dir;
  std::string tmpl = base + "/pinpipe-log-bench-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "cannot create a temp directory under %s: %s\n", base.c_str(),
                 std::strerror(errno));
    return 1;
  }
  const std::string dir = tmpl;
  int rc = 0;
  {
    log_config cfg;
    cfg.dir = dir + "/log";
    cfg.preallocate = opt.preallocate;
    cfg.flush_max_delay_us = opt.flush_delay_us;
    auto opened = open_file_log(cfg);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().to_string().c_str());
      std::filesystem::remove_all(dir);
      return 1;
    }
    auto& log = **opened;
    std::printf("log_bench: %s, %.1f s per case, preallocate=%s, record ~%zu bytes\n",
                cfg.dir.c_str(), opt.seconds, opt.preallocate ? "on" : "off", pin_json(0).size());
    std::printf("%-7s %5s %6s %12s %9s %10s %10s %10s %9s\n", "acks", "prod", "batch", "records/s",
                "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "fsyncs/s");
    int n = 0;
    for (acks a : {acks::leader, acks::all}) {
      if (!opt.only_acks.empty() && opt.only_acks != (a == acks::all ? "all" : "leader")) continue;
      for (int producers : {1, 8}) {
        for (int batch : {1, 16, 256}) {
          const std::string topic = "bench-" + std::to_string(n++);
          if (auto st = log.create_topic(topic, {}); !st) {
            std::fprintf(stderr, "%s\n", st.to_string().c_str());
            rc = 1;
            break;
          }
          auto r = run_case(log, topic, a, producers, batch, opt.seconds);
          std::printf("%-7s %5d %6d %12.0f %9.1f %10.3f %10.3f %10.3f %9.0f%s\n",
                      a == acks::all ? "all" : "leader", producers, batch, r.records_per_s,
                      r.mb_per_s, r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000,
                      r.fsyncs_per_s, r.errors ? "  (errors!)" : "");
          std::fflush(stdout);
          if (r.errors) rc = 1;
          log.delete_topic(topic);
        }
      }
    }
    log.close();
  }
  std::filesystem::remove_all(dir);
  return rc;
}
