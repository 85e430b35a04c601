// gateway_bench: the REST Proxy produce path (POST /topics/<uid>.pin, one record per request,
// application/vnd.kafka.json.v2+json) with keep-alive connections, against a gateway in
// this process over the in-memory log and over the durable file log (acks=all: a 200 means
// fsynced). Same approach as tests/gateway/gateway_load.cpp. Prints requests/s, request
// latency p50/p99 and checks that the log holds exactly the acknowledged records.
//
//   gateway_bench [--seconds S] [--connections N] [--only memory|file] [--quick]
//
// Target: >= 20,000 requests/s.
#include <httplib.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"
#include "gateway/gateway.hpp"
#include "storage/log.hpp"

namespace {

using namespace pinpipe;

const char* usage =
    "usage: gateway_bench [--seconds S] [--connections N] [--only memory|file] [--quick]";

const char* topic = "0a60b9a8a831.pin";

const std::string body =
    R"j({"records":[{"value":{"index":7528,"unique_id":"fbe53c66-3442-4773-b19e-d3ec6f54dddf",)j"
    R"j("title":"No Title Data Available","description":"No description available Story format",)j"
    R"j("poster_name":"User Info Error","follower_count":"User Info Error","tag_list":"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",)j"
    R"j("is_image_or_video":"multi-video(story page format)","image_src":"Image src error.","downloaded":0,)j"
    R"j("save_location":"Local save in /data/mens-fashion","category":"mens-fashion"}}]})j";

int run_case(const std::string& kind, double seconds, int connections) {
  bench::temp_dir dir("pinpipe-gateway-bench");
  std::unique_ptr<storage::log_store> log;
  if (kind == "file") {
    storage::log_config cfg;
    cfg.dir = dir.sub("log");
    auto opened = storage::open_file_log(cfg);
    if (!opened) {
      std::fprintf(stderr, "open_file_log: %s\n", opened.error().to_string().c_str());
      return 2;
    }
    log = std::move(*opened);
  } else {
    log = storage::make_memory_log();
  }
  if (auto st = log->create_topic(topic, storage::topic_config{}); !st.ok()) {
    std::fprintf(stderr, "create_topic: %s\n", st.to_string().c_str());
    return 2;
  }
  gateway::gateway_options opt;
  opt.port = 0;
  opt.threads = std::max(connections, 8);
  gateway::gateway gw(*log, opt);
  if (auto st = gw.start(); !st.ok()) {
    std::fprintf(stderr, "gateway start: %s\n", st.to_string().c_str());
    return 2;
  }
  std::atomic<int64_t> ok{0}, failed{0};
  std::mutex mu;
  std::vector<uint64_t> lat_ns;
  bench::stopwatch sw;
  std::vector<std::thread> ts;
  for (int c = 0; c < connections; ++c)
    ts.emplace_back([&] {
      httplib::Client cli("127.0.0.1", gw.port());
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      std::vector<uint64_t> mine;
      bench::stopwatch deadline{seconds};
      while (!deadline.expired()) {
        bench::stopwatch one;
        auto r = cli.Post((std::string("/topics/") + topic).c_str(), body,
                          "application/vnd.kafka.json.v2+json");
        mine.push_back(one.elapsed_ns());
        if (r && r->status == 200)
          ++ok;
        else
          ++failed;
      }
      std::lock_guard<std::mutex> lk(mu);
      lat_ns.insert(lat_ns.end(), mine.begin(), mine.end());
    });
  for (auto& t : ts)
    t.join();
  const double secs = sw.elapsed_s();
  gw.stop();
  auto hw = log->list_offset(topic, partition_id{0}, storage::offset_spec::latest);
  log->close();
  const bool check = failed.load() == 0 && hw && hw->get() == ok.load();
  auto s = bench::summarize_ns(std::move(lat_ns));
  const double rps = ok.load() / secs;
  std::printf("REST produce, %s log, %d keep-alive connections: %lld ok, %lld failed in %.2f s: "
              "%.0f requests/s, latency p50 %.0f us p99 %.0f us (%s)\n",
              kind.c_str(), connections, static_cast<long long>(ok.load()),
              static_cast<long long>(failed.load()), secs, rps, s.p50_us, s.p99_us,
              check ? "count ok" : "COUNT FAILED");
  bench::print_figure("gateway", kind + "-c" + std::to_string(connections),
                      {{"requests", std::to_string(ok.load())},
                       {"failed", std::to_string(failed.load())},
                       {"rps", bench::num(rps, "%.0f")},
                       {"p50_us", bench::num(s.p50_us)},
                       {"p99_us", bench::num(s.p99_us)},
                       {"check", check ? "ok" : "failed"}});
  return check ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  bench::flags f(argc, argv);
  const bool quick = f.has("--quick");
  const double seconds = f.dbl("--seconds", quick ? 1 : 5);
  const long long conns = f.integer("--connections", 8);
  const std::string only = f.str("--only", "");
  bench::check_flags(f, {"--seconds", "--connections", "--only", "--quick"}, usage);
  if (seconds <= 0 || conns <= 0 || conns > 256 ||
      (!only.empty() && only != "memory" && only != "file")) {
    std::fprintf(stderr, "bad flag value\n%s\n", usage);
    return 2;
  }
  logging::init("warn");
  int rc = 0;
  for (const char* kind : {"memory", "file"})
    if (only.empty() || only == kind)
      rc = std::max(rc, run_case(kind, seconds, static_cast<int>(conns)));
  return rc;
}
