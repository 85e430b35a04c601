// Test helper: a gateway over a real log, for the Python client tests (and by hand).
//   gateway_test_server [--dir D] [--uid U] [--port P] [--api-key K]... [--partitions N]
//                       [--shards N] [--threads N] [--max-record-bytes N]
// Opens storage::open_file_log in D when given and available, else an in-memory log;
// creates the default topics <uid>.pin/.geo/.user and streams streaming-<uid>-pin/-geo/
// -user; prints "PORT <n>" on stdout and serves until stdin closes or SIGTERM/SIGINT.
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "gateway/gateway.hpp"
#include "logclient/local_log_client.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}
} // namespace

int main(int argc, char** argv) {
  using namespace pinpipe;
  std::string dir;
  std::string uid = "0a60b9a8a831";
  int32_t partitions = 1;
  int32_t shards = 5;
  gateway::gateway_options opt;
  opt.port = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir")
      dir = next();
    else if (a == "--uid")
      uid = next();
    else if (a == "--port")
      opt.port = std::atoi(next().c_str());
    else if (a == "--api-key")
      opt.api_keys.push_back(next());
    else if (a == "--partitions")
      partitions = std::atoi(next().c_str());
    else if (a == "--shards")
      shards = std::atoi(next().c_str());
    else if (a == "--threads")
      opt.threads = std::atoi(next().c_str());
    else if (a == "--max-record-bytes")
      opt.max_record_bytes = std::atoll(next().c_str());
    else {
      std::cerr << "unknown flag " << a << "\n";
      return 2;
    }
  }
  std::unique_ptr<storage::log_store> log;
  if (!dir.empty()) {
    storage::log_config cfg;
    cfg.dir = dir;
    auto opened = storage::open_file_log(cfg);
    if (opened) {
      log = std::move(*opened);
    } else {
      std::cerr << "file log unavailable (" << opened.error().to_string()
                << "); using an in-memory log\n";
    }
  }
  if (!log) log = storage::make_memory_log();
  for (const char* t : {"pin", "geo", "user"}) {
    storage::topic_config tc;
    tc.partitions = partitions;
    auto st = log->create_topic(uid + "." + t, tc);
    if (!st.ok() && st.code() != errc::topic_exists) {
      std::cerr << st.to_string() << "\n";
      return 1;
    }
    storage::topic_config sc;
    sc.partitions = shards;
    sc.is_stream = true;
    st = log->create_topic("streaming-" + uid + "-" + t, sc);
    if (!st.ok() && st.code() != errc::topic_exists) {
      std::cerr << st.to_string() << "\n";
      return 1;
    }
  }
  logclient::local_log_client log_client(*log); // the gateway reaches the log through it
  gateway::gateway gw(log_client, opt);
  auto st = gw.start();
  if (!st.ok()) {
    std::cerr << st.to_string() << "\n";
    return 1;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::printf("PORT %d\n", gw.port());
  std::fflush(stdout);
  char buf[256];
  while (!g_stop) {
    pollfd p{0, POLLIN, 0};
    int n = ::poll(&p, 1, 200);
    if (n > 0) {
      ssize_t r = ::read(0, buf, sizeof buf);
      if (r <= 0) break; // stdin closed
    }
  }
  gw.stop();
  log->close();
  return 0;
}
