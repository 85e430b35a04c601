// Internal to console/: the state the route handlers share and the handlers themselves, one
// file per group of routes (api_overview.cpp, api_runs.cpp, api_data.cpp, assets.cpp).
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/console_server.hpp"
#include "gateway/http_server.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::console {

using gateway::http_request;
using gateway::reply;
using json = nlohmann::json;

/// records/s of one topic over time: (unix ms, records/s) samples, oldest first.
struct rate_history {
  int64_t last_total = -1;
  int64_t last_ms = 0;
  std::deque<std::pair<int64_t, double>> samples;
};

struct context {
  console_options opt;
  console_sources src;
  std::string own_origin; ///< "http://host:port" (set once the port is known)
  mutable std::mutex rates_mu;
  std::map<std::string, rate_history> rates;
  static constexpr size_t max_samples = 600;
};

reply json_reply(const json& body, int status = 200);
/// {"error": {"code": status, "message": message}}
reply error_reply(int status, const std::string& message);

/// The warehouse opened read-only (warehouse::sql::open_readonly; db is nullptr and error
/// says why when it cannot be).
struct ro_db {
  warehouse::sql::db_ptr conn;
  sqlite3* db = nullptr;
  std::string error;
  explicit ro_db(const std::string& path);
  explicit operator bool() const { return db != nullptr; }
};
/// Runs `sql` with text parameters; each row as JSON values (integers, reals, text, null).
/// false + error on a SQLite error.
bool query_rows(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
                std::vector<std::vector<json>>& rows, std::string& error,
                std::vector<std::string>* columns = nullptr);
bool table_exists(sqlite3* db, const std::string& name);

/// A query parameter as a bounded integer: `fallback` when absent; an error message
/// (naming the parameter and the range) when it is not an integer in [lo, hi].
bool int_param(const http_request& r, const std::string& name, int64_t fallback, int64_t lo,
               int64_t hi, int64_t& out, std::string& error);

void sample_rates(context& c);

reply api_overview(context& c, const http_request& r);
reply api_throughput(context& c, const http_request& r);
reply api_pipeline(context& c, const http_request& r);
reply metrics(context& c, const http_request& r);

reply api_runs(context& c, const http_request& r);
reply api_trigger(context& c, const http_request& r);
/// /api/v1/runs/<rest>: <id>, <id>/log, <id>/results, <id>/results/<q>.csv,
/// <id>/charts/<q>.svg, <id>/report.html
reply api_run_route(context& c, const http_request& r, const std::string& rest);

reply api_dead_letters(context& c, const http_request& r);
reply api_warehouse(context& c, const http_request& r);
reply api_warehouse_table(context& c, const http_request& r, const std::string& table);

/// A page or an asset (index page for "/", "/overview", ...; /assets/app.js, app.css,
/// chart.min.js); 404 for anything else.
reply static_asset(context& c, const std::string& path);

} // namespace pinpipe::console
