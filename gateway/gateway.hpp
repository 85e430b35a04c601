// The HTTP gateway: pinpipe's front door, the counterpart of AWS API Gateway + the Kafka
// REST Proxy + the Kinesis endpoint (PIPELINE.md section 3; routes, shapes and error codes
// in docs/http-api.md). It serves, on one port:
//   - Kafka REST Proxy v2: /topics..., /consumers... (and /v3/clusters/{c}/topics to
//     create topics), error envelope {"error_code": n, "message": "..."};
//   - Kinesis behind API Gateway: /streams..., as the course's API configures it;
//   - the native Kinesis JSON 1.1 API: POST / with X-Amz-Target (AWS SDKs, boto3).
// Everything lands in the log through one logclient::log_client; streams are topics with is_stream=true.
// Produces use acks=all, so a 200 means the records are durable.
//
// Lifecycle: construct, start() (binds and listens, then serves on its own threads: a pool
// of `threads` workers sharing one epoll instance, see http_server.hpp; a worker is busy
// only while it reads, handles or answers a request, idle keep-alive connections hold
// none), stop() (or the destructor). The log must outlive the gateway. stats() is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::gateway {

struct gateway_options {
  std::string host = "127.0.0.1";
  int port = 8082;                   ///< 0 = an ephemeral port (see gateway::port())
  std::vector<std::string> api_keys; ///< empty = no authentication
  int64_t max_record_bytes = 1 << 20;
  int64_t max_request_bytes = 10 << 20;
  int32_t default_shards = 5; ///< CreateStream / POST /streams/{name} without a count
  int threads = 8;            ///< worker threads = requests handled at the same time
  /// HTTP limits (see http_server.hpp): request line + headers (431 beyond), time for a
  /// complete head after its first byte (408 after), request-body bytes buffered over all
  /// connections (503 + Retry-After beyond; must be >= max_request_bytes).
  int64_t max_header_bytes = 64 * 1024;
  int64_t header_timeout_ms = 10000;
  int64_t max_buffered_body_bytes = 256LL << 20;
  /// Deepest array/object nesting accepted in any JSON body; deeper bodies get 400 before
  /// anything parses them ([gateway] max_json_depth).
  int max_json_depth = 64;
  /// REST Proxy consumer instances alive at once; one more gets 429
  /// ([gateway] max_consumer_instances).
  int64_t max_consumer_instances = 1000;
  /// Idempotency-Key replies kept per topic/stream: for this long ...
  int64_t idempotency_window_ms = 300000;
  /// ... and at most this many keys (the oldest is forgotten first).
  int64_t idempotency_keys_per_topic = 10000;
};

/// Counters for the status view.
struct gateway_stats {
  int64_t requests = 0;
  int64_t records_produced = 0;            ///< records acknowledged (durable)
  std::map<int, int64_t> errors_by_status; ///< HTTP status (>= 400) -> count
  int64_t bad_requests = 0;                ///< replies with a 4xx status (each one counted)
  int64_t log_lines_suppressed = 0;        ///< bad-request warnings not written (rate limit)
  int64_t idempotent_replays = 0;          ///< produces answered from the Idempotency-Key cache
};

/// The warning the gateway logs at start when it listens beyond loopback (any host but
/// 127.x.x.x, ::1 or localhost) without api_keys, or "" when there is nothing to warn about.
std::string exposure_warning(const gateway_options& opt);

class gateway {
public:
  gateway(logclient::log_client& log, gateway_options opt);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Binds and starts serving; returns once the socket listens. Fails (io_error, naming
  /// the address) when the port is taken or the host is not local; invalid_config on
  /// bad options.
  status start();
  /// The bound port (the real one when options.port was 0); -1 before start().
  int port() const;
  /// Stops accepting, finishes in-flight requests, joins the threads. Idempotent.
  void stop();
  gateway_stats stats() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::gateway
