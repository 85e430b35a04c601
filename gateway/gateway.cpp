// The gateway's server: httplib setup, the one dispatcher every request goes through
// (stage prefix, API keys, route family, counters), and the one place exceptions from
// libraries become replies.
#include "gateway/gateway.hpp"

#include <chrono>
#include <thread>

#include <httplib.h>

#include "common/logging.hpp"
#include "gateway/http_common.hpp"
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

} // namespace

struct gateway::impl {
  impl(storage::log_store& log, gateway_options o)
      : log(log), opt(std::move(o)), rest(log, opt, ctr), consumers(log, opt),
        kinesis(log, opt, ctr) {}

  reply dispatch(const httplib::Request& req);
  void serve(const httplib::Request& req, httplib::Response& res);

  storage::log_store& log;
  gateway_options opt;
  counters ctr;
  rest_proxy rest;
  consumer_registry consumers;
  kinesis_service kinesis;
  httplib::Server server;
  std::thread thread;
  int bound_port = -1;
  std::shared_ptr<spdlog::logger> logger = logging::get("gateway");
};

reply gateway::impl::dispatch(const httplib::Request& req) {
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
    std::string key = req.get_header_value("x-api-key");
    if (key.empty() && f == family::native)
      key = sigv4_access_key(req.get_header_value("Authorization"));
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

void gateway::impl::serve(const httplib::Request& req, httplib::Response& res) {
  ++ctr.requests;
  reply r = dispatch(req);
  if (r.status >= 400) {
    ctr.count_error(r.status);
    logger->debug("{} {} -> {}: {}", req.method, req.path, r.status, r.body);
  }
  res.status = r.status;
  if (!r.body.empty() || !r.content_type.empty()) {
    res.set_content(std::move(r.body), r.content_type.c_str());
  }
}

gateway::gateway(storage::log_store& log, gateway_options opt)
    : impl_(std::make_unique<impl>(log, std::move(opt))) {}

gateway::~gateway() {
  stop();
}

status gateway::start() {
  auto& s = impl_->server;
  const auto& o = impl_->opt;
  if (impl_->thread.joinable()) return status{errc::invalid_request, "gateway already started"};
  if (o.threads < 1 || o.port < 0 || o.port > 65535 || o.max_record_bytes < 1 ||
      o.max_request_bytes < o.max_record_bytes || o.default_shards < 1) {
    return status{errc::invalid_config,
                  "gateway options: need threads >= 1, port 0..65535, max_record_bytes >= 1, "
                  "max_request_bytes >= max_record_bytes, default_shards >= 1"};
  }
  const int threads = o.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind a taken port
  // silently; SO_REUSEADDR alone still allows quick restarts after TIME_WAIT.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
  });
  s.set_keep_alive_max_count(1000000);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(static_cast<size_t>(o.max_request_bytes));
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    impl_->serve(req, res);
  };
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Delete(".*", handler);
  // Errors httplib answers itself (body over the limit, unknown method): our envelope.
  s.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                  httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    impl_->ctr.count_error(res.status);
    reply r = res.status == 413
                  ? rest_error(413, "request body is over the limit of " +
                                        std::to_string(impl_->opt.max_request_bytes) + " bytes")
                  : rest_error(res.status, "HTTP " + std::to_string(res.status) + " for " +
                                               req.method + " " + req.path);
    if (req.has_header("X-Amz-Target") || req.path.find("/streams") != std::string::npos) {
      r = kinesis_error(res.status == 413 ? "ValidationException" : "InvalidArgumentException",
                        "HTTP " + std::to_string(res.status) + ": request rejected", res.status);
    }
    res.set_content(r.body, r.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        impl_->ctr.count_error(500);
        res.status = 500;
        auto r = rest_error(50001, "internal error while serving the request");
        res.set_content(r.body, r.content_type.c_str());
      });
  int port = o.port;
  if (port == 0) {
    port = s.bind_to_any_port(o.host);
    if (port <= 0) {
      return status{errc::io_error, "cannot listen on " + o.host +
                                        ":0 (no free port, or the host "
                                        "is not a local address)"};
    }
  } else if (!s.bind_to_port(o.host, port)) {
    return status{errc::io_error, "cannot listen on " + o.host + ":" + std::to_string(port) +
                                      ": the port is taken or the host is not a local address; "
                                      "pick another port"};
  }
  impl_->bound_port = port;
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs (is_running()); wait for it so
  // an early stop() cannot leave the thread blocked in accept() forever.
  while (!s.is_running())
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  impl_->logger->info("gateway listening on http://{}:{}", o.host, port);
  return status::success();
}

int gateway::port() const {
  return impl_->bound_port;
}

void gateway::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
  impl_->logger->info("gateway on port {} stopped", impl_->bound_port);
}

gateway_stats gateway::stats() const {
  gateway_stats st;
  st.requests = impl_->ctr.requests.load();
  st.records_produced = impl_->ctr.records_produced.load();
  std::lock_guard<std::mutex> lock(impl_->ctr.errors_mu);
  st.errors_by_status = impl_->ctr.errors;
  return st;
}

} // namespace pinpipe::gateway
