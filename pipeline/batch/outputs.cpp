// Writing a query's outputs: the CSV file (RFC 4180, LF, null = empty field, written atomically)
// and the warehouse table of the same name (drop, create typed, insert; one transaction).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "common/csv.hpp"
#include "common/file_write.hpp"
#include "pipeline/batch/queries.hpp"
#include "pipeline/warehouse/schema.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch {
namespace {

namespace sql = warehouse::sql;
using warehouse::schema::quote;

void append_field(std::string& out, const std::optional<std::string>& v) {
  if (v) csv::append_field(out, *v, /*quote_empty=*/true); // null: empty, unquoted
}

bool valid_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

status replace_table(sqlite3* db, const query_output& out) {
  const std::string table = quote(out.name);
  std::string create = "CREATE TABLE " + table + "(";
  std::string insert = "INSERT INTO " + table + " VALUES(";
  for (size_t i = 0; i < out.columns.size(); ++i) {
    create +=
        (i ? ", " : "") + quote(out.columns[i]) + " " + column_type(out.columns[i]);
    insert += i ? ", ?" : "?";
  }
  create += ")";
  insert += ")";

  sql::transaction tx{db};
  if (auto st = tx.begin(); !st) return st;
  auto failed = [&](const std::string& what, const status& st) {
    return status{st.code() == errc::disk_full ? errc::disk_full : errc::internal,
                  what + " " + out.name + ": " + st.message()};
  };
  if (auto st = sql::exec(db, "DROP TABLE IF EXISTS " + table); !st)
    return failed("drop table", st);
  if (auto st = sql::exec(db, create); !st) return failed("create table", st);
  sql::stmt ins;
  if (auto st = ins.prepare(db, insert); !st) return failed("insert into", st);
  for (const auto& row : out.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const auto& v = row[i];
      if (!v) {
        ins.bind_null(idx);
      } else if (std::strcmp(column_type(out.columns[i]), "INTEGER") == 0) {
        errno = 0;
        char* end = nullptr;
        long long x = std::strtoll(v->c_str(), &end, 10);
        if (v->empty() || errno != 0 || end != v->c_str() + v->size())
          return {errc::invalid_argument, "table " + out.name + ": column " + out.columns[i] +
                                              " expects an integer, got '" + *v + "'"};
        ins.bind(idx, static_cast<int64_t>(x));
      } else {
        ins.bind(idx, *v); // bound SQLITE_STATIC: `out` outlives the step
      }
    }
    if (auto st = ins.run("insert into " + out.name); !st) return failed("insert into", st);
  }
  ins.finalize(); // before commit
  return tx.commit();
}

} // namespace

std::string to_csv(const query_output& out) {
  std::string csv;
  for (size_t i = 0; i < out.columns.size(); ++i) {
    if (i) csv += ',';
    append_field(csv, out.columns[i]);
  }
  csv += '\n';
  for (const auto& row : out.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) csv += ',';
      append_field(csv, row[i]);
    }
    csv += '\n';
  }
  return csv;
}

status write_outputs(sqlite3* db, const std::string& results_dir, const query_output& out) {
  if (!valid_name(out.name))
    return {errc::invalid_argument,
            "output name '" + out.name + "' is not a valid table name (use a-z, 0-9 and _ only)"};
  if (out.columns.empty())
    return {errc::invalid_argument, "output " + out.name + " has no columns"};
  for (const auto& row : out.rows)
    if (row.size() != out.columns.size())
      return {errc::invalid_argument, "output " + out.name + " has a row of " +
                                          std::to_string(row.size()) + " values for " +
                                          std::to_string(out.columns.size()) + " columns"};
  std::error_code ec;
  std::filesystem::create_directories(results_dir, ec);
  if (ec)
    return {errc::io_error, "cannot create results directory " + results_dir + ": " + ec.message()};
  const std::string path = (std::filesystem::path(results_dir) / (out.name + ".csv")).string();
  if (auto st = files::write_file_atomic(path, to_csv(out)); !st) return st;
  return replace_table(db, out);
}

} // namespace pinpipe::batch
