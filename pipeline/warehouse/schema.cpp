#include "pipeline/warehouse/schema.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "common/logging.hpp"
#include "pipeline/warehouse/sql.hpp"

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
  t.body = " (";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    t.columns.push_back(cols[i].first);
    t.body += (i ? ", " : "") + quote(cols[i].first) + " " + cols[i].second;
  }
  t.body += tail + ")";
  t.ddl = "CREATE TABLE IF NOT EXISTS " + quote(name) + t.body + ";" + indexes;
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
  // Which creation of the stream the row came from (storage::topic_config::incarnation): a
  // deleted and recreated stream starts again at offset 0, and its rows join the old ones.
  const std::pair<std::string, std::string> inc{"_incarnation", "INTEGER NOT NULL DEFAULT 0"};
  cols.push_back(inc);
  auto t = make(name, cols, ", UNIQUE(_incarnation, _partition, _offset)");
  t.added = {inc};
  t.rekey = true;
  return t;
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
                      {"time", "TEXT"},
                      {"incarnation", "INTEGER NOT NULL DEFAULT 0"}},
                     ", UNIQUE(path, topic, \"partition\", \"offset\", incarnation)"));
  out.back().added = {{"incarnation", "INTEGER NOT NULL DEFAULT 0"}};
  out.back().rekey = true;
  // One row per (stream, partition): the position of the stream's current incarnation.
  out.push_back(make("stream_positions",
                     {{"topic", "TEXT NOT NULL"},
                      {"partition", "INTEGER NOT NULL"},
                      {"next_offset", "INTEGER NOT NULL"},
                      {"incarnation", "INTEGER NOT NULL DEFAULT 0"}},
                     ", PRIMARY KEY(topic, \"partition\")"));
  out.back().added = {{"incarnation", "INTEGER NOT NULL DEFAULT 0"}};
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
    cols.push_back(s.text(1));
  }
  return cols;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

/// The columns `t` had before its added columns, when `cols` is exactly that.
bool lacks_only_added(const table& t, const std::vector<std::string>& cols) {
  if (t.added.empty() || cols.size() + t.added.size() != t.columns.size()) return false;
  return std::equal(cols.begin(), cols.end(), t.columns.begin());
}

/// Upgrades an older table of `t` (it has `cols`, t.columns without t.added).
status migrate(sqlite3* db, const std::string& path, const table& t,
               const std::vector<std::string>& cols) {
  auto log = logging::get("sink");
  if (!t.rekey) {
    for (const auto& [name, type] : t.added)
      if (auto st = sql::exec(db, "ALTER TABLE " + quote(t.name) + " ADD COLUMN " + quote(name) +
                                      " " + type);
          !st)
        return st;
  } else {
    // SQLite's procedure for a changed constraint: new table, copy, drop, rename; in one
    // transaction. legacy_alter_table keeps the rename from rewriting or checking views.
    const std::string tmp = t.name + "__migrating";
    std::string list;
    for (const auto& c : cols)
      list += (list.empty() ? "" : ", ") + quote(c);
    if (auto st = sql::exec(db, "PRAGMA legacy_alter_table=ON"); !st) return st;
    sql::transaction txn{db};
    if (auto st = txn.begin(); !st) return st;
    for (const std::string& q :
         {"CREATE TABLE " + quote(tmp) + t.body, "INSERT INTO " + quote(tmp) + " (" + list +
                                                      ") SELECT " + list + " FROM " + quote(t.name),
          "DROP TABLE " + quote(t.name), "ALTER TABLE " + quote(tmp) + " RENAME TO " + quote(t.name)})
      if (auto st = sql::exec(db, q); !st) return st;
    if (auto st = txn.commit(); !st) return st;
    if (auto st = sql::exec(db, "PRAGMA legacy_alter_table=OFF"); !st) return st;
  }
  std::string names;
  for (const auto& a : t.added)
    names += (names.empty() ? "" : ", ") + a.first;
  log->info("warehouse {}: table {} upgraded: added column {} (existing rows get the default)",
            path, t.name, names);
  return status::success();
}

} // namespace

status create_or_check(sqlite3* db, const std::string& path, const std::string& uid) {
  for (const auto& t : all_tables(uid)) {
    auto cols = existing_columns(db, t.name);
    if (!cols) return cols.error();
    if (lacks_only_added(t, *cols)) {
      if (auto st = migrate(db, path, t, *cols); !st) return st;
    }
    if (!cols->empty() && *cols != t.columns && !lacks_only_added(t, *cols))
      return {errc::corrupt_data,
              "warehouse " + path + ": table " + t.name + " has columns (" + join(*cols) +
                  ") but pinpipe expects (" + join(t.columns) +
                  "); drop the table or move the file away to let pinpipe recreate it"};
    if (auto st = sql::exec(db, t.ddl); !st) return st;
  }
  return status::success();
}

} // namespace pinpipe::warehouse::schema
