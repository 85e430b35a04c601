// Test helpers for the source tests: a temp dir that cleans itself up and tiny SQLite
// query helpers (real SQLite files, no mocks).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/warehouse/sql.hpp"

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
  std::vector<row> out;
  auto db = warehouse::sql::open_readonly(db_path);
  if (!db) {
    ADD_FAILURE() << db.error().to_string();
    return out;
  }
  auto rows = warehouse::sql::query_text(db->get(), sql);
  if (!rows) {
    ADD_FAILURE() << "bad query: " << rows.error().to_string();
    return out;
  }
  for (const auto& values : *rows) {
    row r;
    for (const auto& v : values)
      r.push_back(v.value_or("<null>"));
    out.push_back(std::move(r));
  }
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
