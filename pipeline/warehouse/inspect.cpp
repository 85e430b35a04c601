#include "pipeline/warehouse/inspect.hpp"

#include <memory>

#include "pipeline/warehouse/schema.hpp"
#include "pipeline/warehouse/sqlite_util.hpp"

namespace pinpipe::warehouse {

std::vector<std::string> reported_tables(const std::string& uid) {
  return {uid + "_pin_table", uid + "_geo_table", uid + "_user_table", "pin_clean",
          "geo_clean",        "user_clean",       "dead_letters"};
}

result<std::vector<std::pair<std::string, int64_t>>>
table_counts(const std::string& path, const std::vector<std::string>& tables) {
  auto db = sql::open_readonly(path);
  if (!db) return db.error();
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& t : tables) {
    int64_t n = -1;
    sql::stmt s;
    if (s.prepare(db->get(), "SELECT COUNT(*) FROM " + schema::quote(t)).ok()) { // else: no table
      int rc = 0;
      if (s.step("counting " + t, &rc).ok() && rc == SQLITE_ROW)
        n = sqlite3_column_int64(s.get(), 0);
    }
    out.emplace_back(t, n);
  }
  return out;
}

result<std::map<std::pair<std::string, int32_t>, int64_t>>
stream_positions(const std::string& path) {
  auto db = sql::open_readonly(path);
  if (!db) return db.error();
  std::map<std::pair<std::string, int32_t>, int64_t> out;
  sql::stmt s;
  if (!s.prepare(db->get(), "SELECT topic, partition, next_offset FROM stream_positions").ok())
    return out; // no stream_positions table yet: nothing committed
  for (;;) {
    int rc = 0;
    if (auto st = s.step("reading stream_positions", &rc); !st) return st;
    if (rc != SQLITE_ROW) break;
    const auto* topic = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
    out[{topic ? topic : "", sqlite3_column_int(s.get(), 1)}] = sqlite3_column_int64(s.get(), 2);
  }
  return out;
}

result<query_rows> query_readonly(const std::string& path, const std::string& sql) {
  auto db = sql::open_readonly(path);
  if (!db) return db.error();
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db->get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st{raw, sqlite3_finalize};
  if (rc != SQLITE_OK || !raw) {
    std::string msg = sqlite3_errmsg(db->get());
    return status{errc::invalid_argument, msg == "not an error" ? "no statement" : msg};
  }
  query_rows out;
  const int cols = sqlite3_column_count(raw);
  for (int i = 0; i < cols; ++i)
    out.header.push_back(sqlite3_column_name(raw, i));
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < cols; ++i) {
      auto* text = sqlite3_column_text(raw, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    out.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return sql::error(db->get(), rc, "running the statement");
  return out;
}

} // namespace pinpipe::warehouse
