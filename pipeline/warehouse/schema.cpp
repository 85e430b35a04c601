#include "pipeline/warehouse/schema.hpp"

#include <sqlite3.h>

#include "pipeline/warehouse/sqlite_util.hpp"

namespace pinpipe::warehouse::schema {
namespace {

const std::vector<std::pair<std::string, std::string>> pin_columns = {
    {"ind", "INTEGER"},        {"unique_id", "TEXT"},         {"title", "TEXT"},
    {"description", "TEXT"},   {"follower_count", "INTEGER"}, {"poster_name", "TEXT"},
    {"tag_list", "TEXT"},      {"is_image_or_video", "TEXT"}, {"image_src", "TEXT"},
    {"save_location", "TEXT"}, {"category", "TEXT"}};
const std::vector<std::pair<std::string, std::string>> geo_columns = {
    {"ind", "INTEGER"}, {"country", "TEXT"}, {"coordinates", "TEXT"}, {"timestamp", "TEXT"}};
const std::vector<std::pair<std::string, std::string>> user_columns = {
    {"ind", "INTEGER"}, {"user_name", "TEXT"}, {"age", "INTEGER"}, {"date_joined", "TEXT"}};

table make(const std::string& name, std::vector<std::pair<std::string, std::string>> cols,
           const std::string& tail, const std::string& indexes = "") {
  table t;
  t.name = name;
  t.ddl = "CREATE TABLE IF NOT EXISTS " + quote(name) + " (";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    t.columns.push_back(cols[i].first);
    t.ddl += (i ? ", " : "") + quote(cols[i].first) + " " + cols[i].second;
  }
  t.ddl += tail + ");" + indexes;
  return t;
}

table batch_table(const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& cols) {
  return make(name, cols, "",
              "CREATE INDEX IF NOT EXISTS " + quote(name + "_ind") + " ON " + quote(name) +
                  "(ind);");
}

table stream_table(const std::string& name, std::vector<std::pair<std::string, std::string>> cols) {
  cols.push_back({"_partition", "INTEGER NOT NULL"});
  cols.push_back({"_offset", "INTEGER NOT NULL"});
  return make(name, cols, ", UNIQUE(_partition, _offset)");
}

} // namespace

std::string quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<table> all_tables(const std::string& uid) {
  std::vector<table> out;
  out.push_back(batch_table("pin_clean", pin_columns));
  out.push_back(batch_table("geo_clean", geo_columns));
  out.push_back(batch_table("user_clean", user_columns));
  out.push_back(stream_table(uid + "_pin_table", pin_columns));
  out.push_back(stream_table(uid + "_geo_table", geo_columns));
  out.push_back(stream_table(uid + "_user_table", user_columns));
  out.push_back(make("dead_letters",
                     {{"path", "TEXT NOT NULL"},
                      {"topic", "TEXT NOT NULL"},
                      {"partition", "INTEGER NOT NULL"},
                      {"offset", "INTEGER NOT NULL"},
                      {"raw", "TEXT"},
                      {"reason", "TEXT"},
                      {"time", "TEXT"}},
                     ", UNIQUE(path, topic, \"partition\", \"offset\")"));
  out.push_back(make("stream_positions",
                     {{"topic", "TEXT NOT NULL"},
                      {"partition", "INTEGER NOT NULL"},
                      {"next_offset", "INTEGER NOT NULL"}},
                     ", PRIMARY KEY(topic, \"partition\")"));
  return out;
}

namespace {

result<std::vector<std::string>> existing_columns(sqlite3* db, const std::string& name) {
  sql::stmt s;
  if (auto st = s.prepare(db, "PRAGMA table_info(" + quote(name) + ")"); !st) return st;
  std::vector<std::string> cols;
  int rc = SQLITE_ROW;
  while (true) {
    if (auto st = s.step("reading the columns of " + name, &rc); !st) return st;
    if (rc != SQLITE_ROW) break;
    cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1)));
  }
  return cols;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

} // namespace

status create_or_check(sqlite3* db, const std::string& path, const std::string& uid) {
  for (const auto& t : all_tables(uid)) {
    auto cols = existing_columns(db, t.name);
    if (!cols) return cols.error();
    if (!cols->empty() && *cols != t.columns)
      return {errc::corrupt_data,
              "warehouse " + path + ": table " + t.name + " has columns (" + join(*cols) +
                  ") but pinpipe expects (" + join(t.columns) +
                  "); drop the table or move the file away to let pinpipe recreate it"};
    if (auto st = sql::exec(db, t.ddl); !st) return st;
  }
  return status::success();
}

} // namespace pinpipe::warehouse::schema
