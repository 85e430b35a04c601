#include "pipeline/warehouse/inspect.hpp"

#include "pipeline/warehouse/schema.hpp"
#include "pipeline/warehouse/sql.hpp"

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
      auto row = s.next("counting " + t);
      if (row.ok() && *row) n = s.integer(0);
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
    auto row = s.next("reading stream_positions");
    if (!row) return row.error();
    if (!*row) break;
    out[{s.text(0), static_cast<int32_t>(s.integer(1))}] = s.integer(2);
  }
  return out;
}

result<query_rows> query_readonly(const std::string& path, const std::string& sql) {
  auto db = sql::open_readonly(path);
  if (!db) return db.error();
  sql::stmt s;
  if (!s.prepare(db->get(), sql).ok()) { // SQLite's own words: the user wrote the SQL
    std::string msg = sqlite3_errmsg(db->get());
    return status{errc::invalid_argument, msg == "not an error" ? "no statement" : msg};
  }
  query_rows out;
  const int cols = s.column_count();
  for (int i = 0; i < cols; ++i)
    out.header.push_back(s.column_name(i));
  for (;;) {
    auto more = s.next("running the statement");
    if (!more) return more.error();
    if (!*more) break;
    std::vector<std::string> row;
    for (int i = 0; i < cols; ++i)
      row.push_back(s.is_null(i) ? "NULL" : s.text(i));
    out.rows.push_back(std::move(row));
  }
  return out;
}

} // namespace pinpipe::warehouse
