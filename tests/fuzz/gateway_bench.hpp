// Shared by the gateway fuzz targets: a fresh in-memory log with a plain topic "t" (3
// partitions) and a stream "s" (2 shards), and the route handlers over it, called directly
// (no server, no socket) as gateway.cpp's dispatcher calls them. A fresh one per input, so
// a crash reproduces from its input alone.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/http_common.hpp"
#include "gateway/idempotency.hpp"
#include "gateway/kinesis.hpp"
#include "gateway/rest_proxy.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace pinpipe::fuzz {

struct gateway_bench {
  std::unique_ptr<logclient::local_log_client> log = logclient::make_memory_log_client();
  gateway::gateway_options opt;
  gateway::counters ctr;
  gateway::idempotency_cache idem{opt.idempotency_window_ms, 16};
  gateway::rest_proxy rest{*log, opt, ctr, idem};
  gateway::kinesis_service kinesis{*log, opt, ctr, idem};

  gateway_bench() {
    storage::topic_config t;
    t.partitions = 3;
    fuzz_check(log->create_topic("t", t).ok(), "the fixture creates topic t");
    storage::topic_config s;
    s.partitions = 2;
    s.is_stream = true;
    fuzz_check(log->create_topic("s", s).ok(), "the fixture creates stream s");
  }

  /// The path split into segments, as the dispatcher does it (no stage prefix here).
  static std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < path.size()) {
      while (i < path.size() && path[i] == '/') ++i;
      size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) out.push_back(path.substr(i, j - i));
      i = j;
    }
    return out;
  }
};

/// A reply a handler may give: any status the API documents, never a 500, and a body
/// that is JSON (every gateway reply is).
inline void check_reply(const gateway::reply& r) {
  fuzz_check(r.status >= 200 && r.status < 600, "a reply has an HTTP status");
  fuzz_check(r.status != 500, "a bad request never gets a 500 (internal error)");
  fuzz_check(r.body.empty() || nlohmann::json::accept(r.body), "a reply body is JSON");
}

} // namespace pinpipe::fuzz
