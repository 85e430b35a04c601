// Bounded load loop for the REST Proxy produce path: starts a gateway in this process over
// an in-memory log (or the file log with --dir), then `--connections` keep-alive clients
// each POST one-record requests to /topics/<uid>.pin for `--seconds`. Prints requests/s and
// fails (exit 1) when any request fails or the rate is below --min-rps.
//   gateway_load [--seconds S] [--connections N] [--threads N] [--dir D] [--min-rps R]
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gateway/gateway.hpp"
#include "logclient/local_log_client.hpp"

int main(int argc, char** argv) {
  using namespace pinpipe;
  double seconds = 3;
  int connections = 4;
  double min_rps = 0;
  std::string dir;
  gateway::gateway_options opt;
  opt.port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (a == "--connections")
      connections = std::atoi(argv[i + 1]);
    else if (a == "--threads")
      opt.threads = std::atoi(argv[i + 1]);
    else if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--min-rps")
      min_rps = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  std::unique_ptr<storage::log_store> log;
  if (!dir.empty()) {
    storage::log_config cfg;
    cfg.dir = dir;
    auto opened = storage::open_file_log(cfg);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().to_string().c_str());
      return 1;
    }
    log = std::move(*opened);
  } else {
    log = storage::make_memory_log();
  }
  storage::topic_config tc;
  auto cst = log->create_topic("0a60b9a8a831.pin", tc);
  if (!cst.ok() && cst.code() != errc::topic_exists) return 1;
  if (opt.threads < connections) opt.threads = connections;
  logclient::local_log_client log_client(*log); // the gateway reaches the log through it
  gateway::gateway gw(log_client, opt);
  if (auto st = gw.start(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  const std::string body =
      R"j({"records":[{"value":{"index":7528,"unique_id":"fbe53c66-3442-4773-b19e-d3ec6f54dddf",)j"
      R"j("title":"No Title Data Available","description":"No description available Story format",)j"
      R"j("poster_name":"User Info Error","follower_count":"User Info Error","tag_list":"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",)j"
      R"j("is_image_or_video":"multi-video(story page format)","image_src":"Image src error.","downloaded":0,)j"
      R"j("save_location":"Local save in /data/mens-fashion","category":"mens-fashion"}}]})j";
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> failed{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int c = 0; c < connections; ++c) {
    ts.emplace_back([&] {
      httplib::Client cli("127.0.0.1", gw.port());
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      while (std::chrono::steady_clock::now() < deadline) {
        auto r = cli.Post("/topics/0a60b9a8a831.pin", body, "application/vnd.kafka.json.v2+json");
        if (r && r->status == 200) {
          ++ok;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& t : ts)
    t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  gw.stop();
  auto hw = log->list_offset("0a60b9a8a831.pin", partition_id{0}, storage::offset_spec::latest);
  log->close();
  double rps = double(ok.load()) / elapsed;
  std::printf(
      "requests ok=%lld failed=%lld stored=%lld seconds=%.2f connections=%d rps=%.0f log=%s\n",
      static_cast<long long>(ok.load()), static_cast<long long>(failed.load()),
      hw ? static_cast<long long>(hw->get()) : -1LL, elapsed, connections, rps,
      dir.empty() ? "memory" : "file");
  if (failed.load() > 0 || !hw || hw->get() != ok.load() || rps < min_rps) return 1;
  return 0;
}
