// The console's HTTP front: routing, the key check, the Origin check of POSTs, the sampler
// thread, and the helpers the route files share (console_impl.hpp).
#include "console/console_server.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "common/logging.hpp"
#include "console/console_impl.hpp"

namespace pinpipe::console {

reply json_reply(const json& body, int status) {
  reply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.content_type = "application/json";
  return r;
}

reply error_reply(int status, const std::string& message) {
  return json_reply({{"error", {{"code", status}, {"message", message}}}}, status);
}

ro_db::ro_db(const std::string& path) {
  auto c = warehouse::sql::open_readonly(path);
  if (!c) {
    error = "the warehouse: " + c.error().message() +
            " (it appears with the first stream rows or batch run)";
    return;
  }
  conn = std::move(*c);
  db = conn.get();
}

bool query_rows(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
                std::vector<std::vector<json>>& rows, std::string& error,
                std::vector<std::string>* columns) {
  warehouse::sql::stmt st;
  if (auto s = st.prepare(db, sql); !s) {
    error = s.message();
    return false;
  }
  for (size_t i = 0; i < params.size(); ++i)
    st.bind(static_cast<int>(i) + 1, params[i]); // params outlive the steps
  const int n = st.column_count();
  if (columns)
    for (int i = 0; i < n; ++i)
      columns->push_back(st.column_name(i));
  for (;;) {
    auto more = st.next("reading the warehouse");
    if (!more) {
      error = more.error().message();
      return false;
    }
    if (!*more) return true;
    std::vector<json> row;
    for (int i = 0; i < n; ++i) {
      switch (st.type(i)) {
      case SQLITE_INTEGER: row.emplace_back(st.integer(i)); break;
      case SQLITE_FLOAT: row.emplace_back(st.real(i)); break;
      case SQLITE_NULL: row.emplace_back(nullptr); break;
      default: row.emplace_back(st.text(i));
      }
    }
    rows.push_back(std::move(row));
  }
}

bool table_exists(sqlite3* db, const std::string& name) {
  std::vector<std::vector<json>> rows;
  std::string err;
  return query_rows(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", {name}, rows,
                    err) &&
         !rows.empty();
}

bool int_param(const http_request& r, const std::string& name, int64_t fallback, int64_t lo,
               int64_t hi, int64_t& out, std::string& error) {
  if (!r.has_param(name)) {
    out = fallback;
    return true;
  }
  const std::string v = r.param(name);
  size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (...) {
    used = 0;
  }
  if (v.empty() || used != v.size() || x < lo || x > hi) {
    error = "parameter " + name + ": expected an integer " + std::to_string(lo) + ".." +
            std::to_string(hi) + ", got '" + v + "'";
    return false;
  }
  out = x;
  return true;
}

status parse_listen(const std::string& listen, console_options& out) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return {errc::invalid_config,
            "[console] listen: expected host:port like \"127.0.0.1:8083\", got \"" + listen + "\""};
  try {
    size_t used = 0;
    int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) throw 0;
    out.port = port;
  } catch (...) {
    return {errc::invalid_config, "[console] listen: bad port in \"" + listen + "\""};
  }
  out.host = listen.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  return {};
}

namespace {

bool key_ok(const context& c, const http_request& r) {
  if (c.opt.api_keys.empty()) return true;
  const std::string key = r.header("X-API-Key");
  for (const auto& k : c.opt.api_keys)
    if (!key.empty() && key == k) return true;
  return false;
}

reply route(context& c, const http_request& r) {
  const std::string& p = r.path;
  const bool api = p.rfind("/api/", 0) == 0 || p == "/metrics";
  if (!api) {
    if (r.method != "GET" && r.method != "HEAD")
      return error_reply(405, r.method + " " + p + ": pages are read with GET");
    return static_asset(c, p);
  }
  if (!key_ok(c, r))
    return error_reply(401, r.has_header("X-API-Key")
                                ? "wrong API key: use one of [console] api_keys (or [gateway] "
                                  "api_keys) in the X-API-Key header"
                                : "this console needs an API key: send it in the X-API-Key "
                                  "header (the pages ask for it once per browser session)");
  if (r.method == "POST") {
    const std::string origin = r.header("Origin");
    if (!origin.empty() && origin != c.own_origin)
      return error_reply(403, "Origin " + origin + " is not this console (" + c.own_origin +
                                  "): a page of another site cannot trigger runs");
    if (p == "/api/v1/runs") return api_trigger(c, r);
    return error_reply(405, "POST " + p + ": only POST /api/v1/runs (Run now) writes");
  }
  if (r.method != "GET" && r.method != "HEAD")
    return error_reply(405, r.method + " " + p + ": the console API is read with GET");
  if (p == "/metrics") return metrics(c, r);
  if (p == "/api/v1/overview") return api_overview(c, r);
  if (p == "/api/v1/throughput") return api_throughput(c, r);
  if (p == "/api/v1/pipeline") return api_pipeline(c, r);
  if (p == "/api/v1/runs") return api_runs(c, r);
  if (p.rfind("/api/v1/runs/", 0) == 0) return api_run_route(c, r, p.substr(13));
  if (p == "/api/v1/dead-letters") return api_dead_letters(c, r);
  if (p == "/api/v1/warehouse") return api_warehouse(c, r);
  if (p.rfind("/api/v1/warehouse/", 0) == 0) return api_warehouse_table(c, r, p.substr(18));
  return error_reply(404, "no console API route " + p +
                              " (see docs/http-api.md, \"Console API\")");
}

} // namespace

struct console_server::impl {
  context ctx;
  std::unique_ptr<gateway::http_server> server;
  std::thread sampler;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
};

console_server::console_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

console_server::~console_server() {
  stop();
}

result<std::unique_ptr<console_server>> console_server::start(console_options opt,
                                                              console_sources src) {
  auto p = std::make_unique<impl>();
  p->ctx.opt = std::move(opt);
  p->ctx.src = std::move(src);
  context* ctx = &p->ctx;
  gateway::http_server_options h;
  h.host = ctx->opt.host;
  h.port = ctx->opt.port;
  h.threads = std::max(1, ctx->opt.threads);
  h.max_request_bytes = 64 * 1024;
  p->server = std::make_unique<gateway::http_server>(
      h, [ctx](const http_request& r) { return route(*ctx, r); },
      [](const http_request& r, int status) {
        return error_reply(status, r.error.empty() ? "request refused" : r.error);
      });
  if (auto st = p->server->start(); !st)
    return status{st.code(), "console: " + st.message() +
                                 " (another process on that port? set [console] listen, "
                                 "port 0 = any free port, \"\" = no console)"};
  std::string host = ctx->opt.host;
  if (host == "0.0.0.0" || host == "*" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  ctx->own_origin = "http://" + host + ":" + std::to_string(p->server->port());
  impl* raw = p.get();
  raw->sampler = std::thread([raw] {
    std::unique_lock<std::mutex> lk(raw->mu);
    while (!raw->stopping) {
      lk.unlock();
      sample_rates(raw->ctx);
      lk.lock();
      raw->cv.wait_for(lk, std::chrono::milliseconds(raw->ctx.opt.sample_interval_ms),
                       [raw] { return raw->stopping; });
    }
  });
  logging::get("console")->info("console serving on {}/", ctx->own_origin);
  return std::unique_ptr<console_server>(new console_server(std::move(p)));
}

int console_server::port() const {
  return impl_->server->port();
}

std::string console_server::url() const {
  return impl_->ctx.own_origin + "/";
}

void console_server::stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lk(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->sampler.joinable()) impl_->sampler.join();
  impl_->server->stop();
}

} // namespace pinpipe::console
