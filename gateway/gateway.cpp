// The gateway's server: http_server setup, the one dispatcher every request goes through
// (stage prefix, API keys, route family, counters), and the one place exceptions from
// libraries become replies.
#include "gateway/gateway.hpp"

#include <chrono>
#include <thread>

#include "common/logging.hpp"
#include "common/rate_limited_log.hpp"
#include "gateway/http_common.hpp"
#include "gateway/idempotency.hpp"
#include "gateway/kinesis.hpp"
#include "gateway/rest_consumers.hpp"
#include "gateway/rest_proxy.hpp"

namespace pinpipe::gateway {
namespace {

enum class family { rest, apigw, native, other };

bool is_root(std::string_view s) {
  return s == "topics" || s == "consumers" || s == "streams" || s == "v3";
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/')
      ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

family family_of(const std::vector<std::string_view>& segs, bool has_target) {
  if (segs.empty()) return has_target ? family::native : family::other;
  if (segs[0] == "streams") return family::apigw;
  if (is_root(segs[0])) return family::rest;
  return family::other;
}

// The access key id of an AWS SigV4 Authorization header ("... Credential=AKID/...").
std::string sigv4_access_key(const std::string& auth) {
  auto p = auth.find("Credential=");
  if (p == std::string::npos) return "";
  p += 11;
  auto e = auth.find('/', p);
  return auth.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

reply forbidden(family f) {
  if (f == family::native) {
    return kinesis_error("UnrecognizedClientException",
                         "The security token included in the request is invalid: use an access "
                         "key id (or x-api-key) from the gateway's api_keys",
                         403);
  }
  if (f == family::apigw) {
    reply r;
    r.status = 403;
    r.body = "{\"message\":\"Forbidden\"}";
    return r;
  }
  return rest_error(40301, "missing or wrong x-api-key header");
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// For the log line: the start of a body or path, one line.
std::string excerpt(const std::string& s, size_t max = 200) {
  std::string out = s.substr(0, max);
  for (auto& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (s.size() > max) out += "...";
  return out;
}

} // namespace

std::string exposure_warning(const gateway_options& opt) {
  if (is_loopback(opt.host) || !opt.api_keys.empty()) return "";
  return "gateway listens on " + opt.host +
         ", beyond loopback, with no api_keys: anyone who can reach the port can produce, "
         "consume and delete topics; set [gateway] api_keys or listen on 127.0.0.1";
}

struct gateway::impl {
  impl(logclient::log_client& log, gateway_options o)
      : log(log), opt(std::move(o)),
        idempotency(opt.idempotency_window_ms, opt.idempotency_keys_per_topic),
        rest(log, opt, ctr, idempotency), consumers(log, opt),
        kinesis(log, opt, ctr, idempotency) {}

  reply dispatch(const http_request& req);
  reply serve(const http_request& req);
  reply rejected(const http_request& req, int status);
  reply rejected_reply(const http_request& req, int status);
  void count_rejected(const http_request& req, const reply& r);

  logclient::log_client& log;
  gateway_options opt;
  counters ctr;
  idempotency_cache idempotency;
  rest_proxy rest;
  consumer_registry consumers;
  kinesis_service kinesis;
  std::unique_ptr<http_server> server;
  int bound_port = -1;
  std::shared_ptr<spdlog::logger> logger = logging::get("gateway");
  // Rejected requests: rate-limited warnings per HTTP status (common/rate_limited_log.hpp).
  logging::rate_limited_log bad_log{
      logger, [](const std::string& status, uint64_t n, int per_second) {
        return "suppressed " + std::to_string(n) + " more warnings about HTTP " + status +
               " replies (at most " + std::to_string(per_second) +
               " per second are written; gateway stats count them all)";
      }};
};

// Every reply >= 400: counted by status (4xx also as bad_requests) and logged as a
// rate-limited warning.
void gateway::impl::count_rejected(const http_request& req, const reply& r) {
  ctr.count_error(r.status);
  if (r.status < 500) ++ctr.bad_requests;
  bad_log.warn(std::to_string(r.status), req.method + " " + excerpt(req.path) + " -> " +
                             std::to_string(r.status) + ": " + excerpt(r.body));
}

reply gateway::impl::dispatch(const http_request& req) {
  request_view rv{req, split_path(req.path), ""};
  const bool has_target = req.has_header("X-Amz-Target");
  // An API Gateway stage ("/prod/topics/...") is ignored, so invoke URLs work unchanged.
  if (rv.segs.size() >= 2 && !is_root(rv.segs[0]) && is_root(rv.segs[1])) {
    rv.prefix = "/" + std::string(rv.segs[0]);
    rv.segs.erase(rv.segs.begin());
  } else if (rv.segs.size() == 1 && has_target && !is_root(rv.segs[0])) {
    rv.prefix = "/" + std::string(rv.segs[0]);
    rv.segs.clear();
  }
  const family f = family_of(rv.segs, has_target);
  if (!opt.api_keys.empty()) {
    std::string key = req.header("x-api-key");
    if (key.empty() && f == family::native) key = sigv4_access_key(req.header("Authorization"));
    if (std::find(opt.api_keys.begin(), opt.api_keys.end(), key) == opt.api_keys.end()) {
      return forbidden(f);
    }
  }
  try {
    switch (f) {
    case family::rest:
      if (rv.segs[0] == "consumers") return consumers.handle(rv);
      return rest.handle(rv);
    case family::apigw:
      return kinesis.handle_apigw(rv);
    case family::native:
      if (req.method != "POST") {
        return kinesis_error("UnknownOperationException", "Kinesis operations use POST /", 405);
      }
      return kinesis.handle_native(rv);
    case family::other:
      if (rv.segs.empty() && req.method == "GET") {
        reply r;
        r.body = "{\"service\":\"pinpipe gateway\",\"apis\":[\"kafka-rest-v2\",\"kinesis-apigw\","
                 "\"kinesis-json-1.1\"]}";
        return r;
      }
      return rest_error(404, "HTTP 404 Not Found: no route for " + req.method + " " + req.path);
    }
  } catch (const nlohmann::json::exception& e) {
    // A JSON value of an unexpected type that a check missed: the request's fault.
    if (f == family::rest) return rest_error(42201, std::string("invalid request: ") + e.what());
    return kinesis_error("SerializationException", std::string("invalid request: ") + e.what());
  } catch (const std::exception& e) {
    logger->error("{} {} failed: {}", req.method, req.path, e.what());
    if (f == family::rest) return rest_error(50001, std::string("internal error: ") + e.what());
    return kinesis_error("InternalFailure", std::string("internal error: ") + e.what(), 500);
  }
  return rest_error(404, "HTTP 404 Not Found");
}

reply gateway::impl::serve(const http_request& req) {
  ++ctr.requests;
  reply r = dispatch(req);
  if (r.status >= 400) count_rejected(req, r);
  return r;
}

// What the server answers itself (malformed request, body over the limit, PATCH/OPTIONS,
// a handler that threw): the same envelopes as the routes.
reply gateway::impl::rejected(const http_request& req, int status) {
  reply r = rejected_reply(req, status);
  count_rejected(req, r);
  return r;
}

reply gateway::impl::rejected_reply(const http_request& req, int status) {
  if (status == 500) return rest_error(50001, "internal error while serving the request");
  reply r = status == 413 ? rest_error(413, "request body is over the limit of " +
                                                std::to_string(opt.max_request_bytes) + " bytes")
                          : rest_error(status, !req.error.empty()
                                                   ? req.error
                                                   : "HTTP " + std::to_string(status) + " for " +
                                                         req.method + " " + req.path);
  if (req.has_header("X-Amz-Target") || req.path.find("/streams") != std::string::npos) {
    r = kinesis_error(status == 413 ? "ValidationException" : "InvalidArgumentException",
                      "HTTP " + std::to_string(status) + ": " +
                          (req.error.empty() ? "request rejected" : req.error),
                      status);
  }
  return r;
}

gateway::gateway(logclient::log_client& log, gateway_options opt)
    : impl_(std::make_unique<impl>(log, std::move(opt))) {}

gateway::~gateway() {
  stop();
}

status gateway::start() {
  const auto& o = impl_->opt;
  if (impl_->server) return status{errc::invalid_request, "gateway already started"};
  if (o.threads < 1 || o.port < 0 || o.port > 65535 || o.max_record_bytes < 1 ||
      o.max_request_bytes < o.max_record_bytes || o.default_shards < 1 ||
      o.max_json_depth < 1 || o.max_consumer_instances < 1 || o.idempotency_window_ms < 1 ||
      o.idempotency_keys_per_topic < 1) {
    return status{errc::invalid_config,
                  "gateway options: need threads >= 1, port 0..65535, max_record_bytes >= 1, "
                  "max_request_bytes >= max_record_bytes, default_shards >= 1, "
                  "max_json_depth >= 1, max_consumer_instances >= 1, idempotency window and "
                  "keys >= 1"};
  }
  http_server_options so;
  so.host = o.host;
  so.port = o.port;
  so.threads = o.threads;
  so.max_request_bytes = o.max_request_bytes;
  so.keep_alive_timeout_s = 5;
  so.max_header_bytes = o.max_header_bytes;
  so.header_timeout_ms = o.header_timeout_ms;
  so.max_buffered_body_bytes = o.max_buffered_body_bytes;
  auto srv = std::make_unique<http_server>(
      so, [this](const http_request& req) { return impl_->serve(req); },
      [this](const http_request& req, int st) { return impl_->rejected(req, st); });
  if (auto st = srv->start(); !st.ok()) return st;
  impl_->bound_port = srv->port();
  impl_->server = std::move(srv);
  impl_->logger->info("gateway listening on http://{}:{}", o.host, impl_->bound_port);
  if (auto w = exposure_warning(o); !w.empty()) impl_->logger->warn("{}", w);
  return status::success();
}

int gateway::port() const {
  return impl_->bound_port;
}

void gateway::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
  impl_->server.reset();
  impl_->bad_log.flush();
  impl_->logger->info("gateway on port {} stopped", impl_->bound_port);
}

gateway_stats gateway::stats() const {
  gateway_stats st;
  st.requests = impl_->ctr.requests.load();
  st.records_produced = impl_->ctr.records_produced.load();
  st.bad_requests = impl_->ctr.bad_requests.load();
  st.log_lines_suppressed = static_cast<int64_t>(impl_->bad_log.suppressed());
  st.idempotent_replays = impl_->ctr.idempotent_replays.load();
  std::lock_guard<std::mutex> lock(impl_->ctr.errors_mu);
  st.errors_by_status = impl_->ctr.errors;
  return st;
}

} // namespace pinpipe::gateway
