// Dead letters (filters, counts per reason) and the warehouse (tables, schemas, sample rows).
#include "console/console_impl.hpp"
#include "pipeline/warehouse/schema.hpp"

namespace pinpipe::console {

using warehouse::schema::quote;

reply api_dead_letters(context& c, const http_request& r) {
  int64_t limit = 0, offset = 0;
  std::string err;
  if (!int_param(r, "limit", 100, 1, 1000, limit, err)) return error_reply(400, err);
  if (!int_param(r, "offset", 0, 0, int64_t(1) << 40, offset, err)) return error_reply(400, err);
  const std::string path = r.param("path");
  if (!path.empty() && path != "batch" && path != "stream")
    return error_reply(400, "parameter path: expected batch or stream, got '" + path + "'");
  const std::string topic = r.param("topic"), reason = r.param("reason");
  json out = {{"total", 0},           {"counts", json::array()}, {"topics", json::array()},
              {"letters", json::array()}, {"limit", limit},         {"offset", offset}};
  ro_db db(c.src.warehouse_path);
  if (!db || !table_exists(db.db, "dead_letters")) return json_reply(out);

  // Filters: exact topic and path, reason as a substring (instr: no LIKE wildcards).
  std::string where = " WHERE 1=1";
  std::vector<std::string> params;
  if (!topic.empty()) {
    where += " AND topic = ?";
    params.push_back(topic);
  }
  if (!path.empty()) {
    where += " AND path = ?";
    params.push_back(path);
  }
  if (!reason.empty()) {
    where += " AND instr(reason, ?) > 0";
    params.push_back(reason);
  }
  std::vector<std::vector<json>> rows;
  if (!query_rows(db.db, "SELECT COUNT(*) FROM dead_letters" + where, params, rows, err))
    return error_reply(500, "reading dead_letters: " + err);
  out["total"] = rows.at(0).at(0);
  rows.clear();
  if (!query_rows(db.db,
                  "SELECT path, COALESCE(reason, ''), COUNT(*) FROM dead_letters" + where +
                      " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 100",
                  params, rows, err))
    return error_reply(500, "reading dead_letters: " + err);
  for (auto& row : rows)
    out["counts"].push_back({{"path", row[0]}, {"reason", row[1]}, {"count", row[2]}});
  rows.clear();
  if (!query_rows(db.db, "SELECT DISTINCT topic FROM dead_letters ORDER BY 1", {}, rows, err))
    return error_reply(500, "reading dead_letters: " + err);
  for (auto& row : rows)
    out["topics"].push_back(row[0]);
  rows.clear();
  auto page = params;
  page.push_back(std::to_string(limit));
  page.push_back(std::to_string(offset));
  if (!query_rows(db.db,
                  "SELECT path, topic, \"partition\", \"offset\", raw, reason, time FROM "
                  "dead_letters" +
                      where + " ORDER BY rowid DESC LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)",
                  page, rows, err))
    return error_reply(500, "reading dead_letters: " + err);
  for (auto& row : rows)
    out["letters"].push_back({{"path", row[0]},
                              {"topic", row[1]},
                              {"partition", row[2]},
                              {"offset", row[3]},
                              {"raw", row[4]},
                              {"reason", row[5]},
                              {"time", row[6]}});
  return json_reply(out);
}

reply api_warehouse(context& c, const http_request&) {
  json tables = json::array();
  ro_db db(c.src.warehouse_path);
  if (!db) return json_reply({{"path", c.src.warehouse_path}, {"tables", tables}, {"note", db.error}});
  std::vector<std::vector<json>> names;
  std::string err;
  if (!query_rows(db.db,
                  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                  "'sqlite_%' ORDER BY name",
                  {}, names, err))
    return error_reply(500, "listing the warehouse tables: " + err);
  for (auto& n : names) {
    const std::string name = n[0].get<std::string>();
    std::vector<std::vector<json>> rows, cols;
    json count = nullptr;
    if (query_rows(db.db, "SELECT COUNT(*) FROM " + quote(name), {}, rows, err))
      count = rows.at(0).at(0);
    json schema = json::array();
    if (query_rows(db.db, "SELECT name, type FROM pragma_table_info(?)", {name}, cols, err))
      for (auto& col : cols)
        schema.push_back({{"name", col[0]}, {"type", col[1]}});
    tables.push_back({{"name", name}, {"rows", count}, {"columns", schema}});
  }
  return json_reply({{"path", c.src.warehouse_path}, {"tables", tables}});
}

reply api_warehouse_table(context& c, const http_request& r, const std::string& table) {
  int64_t limit = 0;
  std::string err;
  if (!int_param(r, "limit", 20, 1, 500, limit, err)) return error_reply(400, err);
  ro_db db(c.src.warehouse_path);
  if (!db) return error_reply(404, db.error);
  if (table.empty() || table.rfind("sqlite_", 0) == 0 || !table_exists(db.db, table))
    return error_reply(404, "no warehouse table '" + table + "' (GET /api/v1/warehouse lists them)");
  std::vector<std::vector<json>> rows;
  std::vector<std::string> columns;
  if (!query_rows(db.db, "SELECT * FROM " + quote(table) + " LIMIT CAST(? AS INTEGER)",
                  {std::to_string(limit)}, rows, err, &columns))
    return error_reply(500, "reading " + table + ": " + err);
  json jrows = json::array();
  for (auto& row : rows)
    jrows.push_back(row);
  return json_reply({{"table", table}, {"columns", columns}, {"rows", jrows}, {"limit", limit}});
}

} // namespace pinpipe::console
