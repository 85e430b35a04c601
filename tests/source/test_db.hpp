// Test helpers for the source tests: a temp dir that cleans itself up and tiny SQLite
// query helpers (real SQLite files, no mocks).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace pinpipe::source::testing {

class temp_dir {
public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pinpipe-source-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

using row = std::vector<std::string>; // NULL as "<null>"

/// Runs a query on a file and returns every row as text.
inline std::vector<row> query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<row> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "bad query " << sql << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(st) == SQLITE_ROW) {
      row r;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        r.push_back(t ? std::string(reinterpret_cast<const char*>(t),
                                    static_cast<size_t>(sqlite3_column_bytes(st, i)))
                      : "<null>");
      }
      out.push_back(std::move(r));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

inline std::string scalar(const std::string& db_path, const std::string& sql) {
  auto rows = query(db_path, sql);
  return rows.empty() || rows[0].empty() ? "<none>" : rows[0][0];
}

inline int64_t count(const std::string& db_path, const std::string& sql) {
  return std::stoll(scalar(db_path, sql));
}

} // namespace pinpipe::source::testing
