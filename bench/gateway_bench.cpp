// gateway_bench: the REST Proxy produce path (POST /topics/<uid>.pin, one record per request,
// application/vnd.kafka.json.v2+json) with keep-alive connections, against a gateway in
// this process over the in-memory log and over the durable file log (acks=all: a 200 means
// fsynced). Prints requests/s, request latency p50/p99 and checks that the log holds
// exactly the acknowledged records.
//
// Client: `raw` (default) is one thread driving all connections with epoll over plain
// sockets: each connection sends one request, reads the whole response, then sends the
// next (keep-alive, no pipelining, as the original clients). `httplib` is one
// httplib::Client thread per connection (the heavier client the first figures used).
// The client shares the machine's cores with the gateway.
//
//   gateway_bench [--seconds S] [--connections N] [--threads T] [--client raw|httplib]
//                 [--only memory|file] [--quick]
//   --threads: gateway worker threads (default max(connections, 8)).
//
// Target: >= 20,000 requests/s.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/peers/bench_common.hpp"
#include "common/logging.hpp"
#include "gateway/gateway.hpp"
#include "logclient/local_log_client.hpp"
#include "storage/log.hpp"

namespace {

using namespace pinpipe;

const char* usage =
    "usage: gateway_bench [--seconds S] [--connections N] [--threads T] [--client raw|httplib] "
    "[--only memory|file] [--quick]";

const char* topic = "0a60b9a8a831.pin";

const std::string body =
    R"j({"records":[{"value":{"index":7528,"unique_id":"fbe53c66-3442-4773-b19e-d3ec6f54dddf",)j"
    R"j("title":"No Title Data Available","description":"No description available Story format",)j"
    R"j("poster_name":"User Info Error","follower_count":"User Info Error","tag_list":"N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",)j"
    R"j("is_image_or_video":"multi-video(story page format)","image_src":"Image src error.","downloaded":0,)j"
    R"j("save_location":"Local save in /data/mens-fashion","category":"mens-fashion"}}]})j";

// User + system CPU time of this whole process (gateway and client), in seconds.
double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// One keep-alive connection of the raw client.
struct raw_conn {
  int fd = -1;
  std::string in;
  uint64_t sent_ns = 0;
  bool in_flight = false;
};

// Parses one complete response at the start of `in`: returns its length (0 = incomplete,
// std::string::npos = malformed) and its status code.
size_t parse_response(const std::string& in, int& status) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  if (in.compare(0, 9, "HTTP/1.1 ") != 0 || end < 12) return std::string::npos;
  status = std::atoi(in.c_str() + 9);
  size_t len = 0;
  bool have_len = false;
  size_t pos = in.find("\r\n") + 2;
  while (pos < end) {
    size_t e = in.find("\r\n", pos);
    if (e - pos > 15 && strncasecmp(in.c_str() + pos, "content-length:", 15) == 0) {
      len = std::strtoul(in.c_str() + pos + 15, nullptr, 10);
      have_len = true;
    }
    pos = e + 2;
  }
  if (!have_len) return std::string::npos;
  return in.size() >= end + 4 + len ? end + 4 + len : 0;
}

// Drives `connections` sockets from this thread until `seconds` pass, then waits (up to 30 s)
// for the requests still in flight.
void raw_client(int port, int connections, double seconds, std::atomic<int64_t>& ok,
                std::atomic<int64_t>& failed, std::vector<uint64_t>& lat_ns) {
  const std::string request = std::string("POST /topics/") + topic +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nContent-Type: application/vnd.kafka.json.v2+json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<raw_conn> conns(static_cast<size_t>(connections));
  auto send_request = [&](raw_conn& c) {
    c.sent_ns = now_ns();
    c.in_flight = true;
    size_t off = 0;
    while (off < request.size()) {
      ssize_t w = ::send(c.fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<size_t>(w);
    }
    return true;
  };
  int open = 0;
  for (size_t i = 0; i < conns.size(); ++i) {
    auto& c = conns[i];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int yes = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ++failed;
      ::close(c.fd);
      c.fd = -1;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    ++open;
  }
  bench::stopwatch deadline{seconds};
  for (auto& c : conns)
    if (c.fd >= 0 && !send_request(c)) ++failed;
  lat_ns.reserve(1 << 20);
  char buf[16384];
  int in_flight = open;
  const uint64_t hard_stop = now_ns() + static_cast<uint64_t>((seconds + 30) * 1e9);
  std::vector<epoll_event> evs(static_cast<size_t>(std::max(connections, 1)));
  while (in_flight > 0 && now_ns() < hard_stop) {
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
    const bool stop_sending = deadline.expired();
    for (int k = 0; k < n; ++k) {
      auto& c = conns[evs[static_cast<size_t>(k)].data.u64];
      ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r <= 0) {
        ++failed;
        --in_flight;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        c.in_flight = false;
        continue;
      }
      c.in.append(buf, static_cast<size_t>(r));
      int status = 0;
      size_t len = parse_response(c.in, status);
      if (len == 0) continue;
      if (len == std::string::npos) {
        ++failed;
        --in_flight;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        c.in_flight = false;
        continue;
      }
      c.in.erase(0, len);
      lat_ns.push_back(now_ns() - c.sent_ns);
      if (status == 200)
        ++ok;
      else
        ++failed;
      c.in_flight = false;
      if (stop_sending || !send_request(c)) --in_flight;
    }
  }
  for (auto& c : conns) {
    if (c.in_flight) ++failed;
    if (c.fd >= 0) ::close(c.fd);
  }
  ::close(ep);
}

int run_case(const std::string& kind, double seconds, int connections, int threads,
             const std::string& client) {
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
  opt.threads = threads > 0 ? threads : std::max(connections, 8);
  logclient::local_log_client log_client(*log); // the gateway reaches the log through it
  gateway::gateway gw(log_client, opt);
  if (auto st = gw.start(); !st.ok()) {
    std::fprintf(stderr, "gateway start: %s\n", st.to_string().c_str());
    return 2;
  }
  std::atomic<int64_t> ok{0}, failed{0};
  std::mutex mu;
  std::vector<uint64_t> lat_ns;
  bench::stopwatch sw;
  const double cpu0 = process_cpu_s();
  std::vector<std::thread> ts;
  if (client == "raw") raw_client(gw.port(), connections, seconds, ok, failed, lat_ns);
  for (int c = 0; client == "httplib" && c < connections; ++c)
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
  const double cpu_us = (process_cpu_s() - cpu0) * 1e6 / double(std::max<int64_t>(ok.load(), 1));
  gw.stop();
  auto hw = log->list_offset(topic, partition_id{0}, storage::offset_spec::latest);
  log->close();
  const bool check = failed.load() == 0 && hw && hw->get() == ok.load();
  auto s = bench::summarize_ns(std::move(lat_ns));
  const double rps = ok.load() / secs;
  std::printf("REST produce, %s log, %d keep-alive connections (%s client, %d gateway "
              "threads): %lld ok, %lld failed in %.2f s: "
              "%.0f requests/s, latency p50 %.0f us p99 %.0f us, CPU %.1f us/request (%s)\n",
              kind.c_str(), connections, client.c_str(), opt.threads,
              static_cast<long long>(ok.load()), static_cast<long long>(failed.load()), secs, rps,
              s.p50_us, s.p99_us, cpu_us, check ? "count ok" : "COUNT FAILED");
  bench::print_figure(
      "gateway", kind + "-c" + std::to_string(connections) + (client == "raw" ? "" : "-" + client),
      {{"requests", std::to_string(ok.load())},
       {"failed", std::to_string(failed.load())},
       {"rps", bench::num(rps, "%.0f")},
       {"p50_us", bench::num(s.p50_us)},
       {"p99_us", bench::num(s.p99_us)},
       {"cpu_us_per_req", bench::num(cpu_us)},
       {"check", check ? "ok" : "failed"}});
  return check ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  bench::flags f(argc, argv);
  const bool quick = f.has("--quick");
  const double seconds = f.dbl("--seconds", quick ? 1 : 5);
  const long long conns = f.integer("--connections", 8);
  const long long threads = f.integer("--threads", 0);
  const std::string client = f.str("--client", "raw");
  const std::string only = f.str("--only", "");
  bench::check_flags(
      f, {"--seconds", "--connections", "--threads", "--client", "--only", "--quick"}, usage);
  if (seconds <= 0 || conns <= 0 || conns > 1024 || threads < 0 || threads > 1024 ||
      (client != "raw" && client != "httplib") ||
      (!only.empty() && only != "memory" && only != "file")) {
    std::fprintf(stderr, "bad flag value\n%s\n", usage);
    return 2;
  }
  logging::init("warn");
  int rc = 0;
  for (const char* kind : {"memory", "file"})
    if (only.empty() || only == kind)
      rc = std::max(
          rc, run_case(kind, seconds, static_cast<int>(conns), static_cast<int>(threads), client));
  return rc;
}
