// Test helper for lake_crash_test: runs the connector loop over a prepared log until it is
// caught up, then flushes and exits 0. The test SIGKILLs it at random moments.
//   lake_crash_helper <lake_dir> <flush_size> <rotate_ms> (--log-dir DIR | --memory SEED N)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pipeline/lake/lake_writer.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/lake/lake_test_util.hpp"

int main(int argc, char** argv) {
  using namespace pinpipe;
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: %s lake_dir flush_size rotate_ms (--log-dir DIR | --memory SEED N)\n",
                 argv[0]);
    return 2;
  }
  lake::writer_options opt{argv[1], std::atoi(argv[2]), std::atoll(argv[3])};
  std::unique_ptr<storage::log_store> log;
  if (std::string(argv[4]) == "--log-dir") {
    storage::log_config cfg;
    cfg.dir = argv[5];
    auto opened = storage::open_file_log(cfg);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().to_string().c_str());
      return 2;
    }
    log = std::move(opened.value());
  } else if (argc >= 7) {
    log = storage::make_memory_log();
    logclient::local_log_client prep(*log);
    lake::test::prepare_log(prep, static_cast<uint32_t>(std::atoi(argv[5])), std::atoi(argv[6]));
  } else {
    return 2;
  }
  logclient::local_log_client client(*log);
  lake::connector c(client, lake::test::test_uid, opt);
  for (;;) {
    auto n = c.poll_once(2048);
    if (!n) {
      std::fprintf(stderr, "%s\n", n.error().to_string().c_str());
      return 1;
    }
    if (*n == 0) break;
  }
  if (auto st = c.flush_all(); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  log->close();
  return 0;
}
