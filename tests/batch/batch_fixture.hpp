// Test fixture for pinpipe_batch: a real SQLite warehouse file in a fresh temp dir with the
// batch tables created by exactly the DDL the warehouse module uses, plus insert helpers.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch::test {

using opt = std::optional<std::string>;
using rows_t = std::vector<std::vector<opt>>;
inline const opt null = std::nullopt;

// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class batch_fixture : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_batch_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto db = warehouse::sql::open(dir_ + "/warehouse.db",
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, /*busy_ms=*/0);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    conn_ = std::move(*db);
    db_ = conn_.get();
    exec("PRAGMA synchronous=OFF");
    exec(R"(CREATE TABLE pin_clean(ind INTEGER, unique_id TEXT, title TEXT, description TEXT,
      follower_count INTEGER, poster_name TEXT, tag_list TEXT, is_image_or_video TEXT,
      image_src TEXT, save_location TEXT, category TEXT);
    CREATE TABLE geo_clean(ind INTEGER, country TEXT, coordinates TEXT, timestamp TEXT);
    CREATE TABLE user_clean(ind INTEGER, user_name TEXT, age INTEGER, date_joined TEXT);)");
  }
  void TearDown() override {
    conn_.reset();
    db_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void exec(const std::string& sql) {
    auto st = warehouse::sql::exec(db_, sql);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }

  static std::string lit(const opt& v) {
    if (!v) return "NULL";
    std::string out = "'";
    for (char c : *v) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }
  static std::string lit(std::optional<long long> v) {
    return v ? std::to_string(*v) : std::string("NULL");
  }

  void pin(long long ind, opt category, std::optional<long long> follower_count = std::nullopt,
           opt poster_name = std::nullopt) {
    exec("INSERT INTO pin_clean(ind, unique_id, follower_count, poster_name, category) VALUES(" +
         std::to_string(ind) + ", 'uid-" + std::to_string(ind) + "', " + lit(follower_count) +
         ", " + lit(poster_name) + ", " + lit(category) + ")");
  }
  void geo(long long ind, opt country, const std::string& timestamp = "2020-01-01 00:00:00") {
    exec("INSERT INTO geo_clean VALUES(" + std::to_string(ind) + ", " + lit(country) +
         ", '[1.5, 2.5]', " + lit(opt(timestamp)) + ")");
  }
  void user(long long ind, std::optional<long long> age,
            const std::string& date_joined = "2016-01-01 00:00:00",
            const std::string& user_name = "Some User") {
    exec("INSERT INTO user_clean VALUES(" + std::to_string(ind) + ", " + lit(opt(user_name)) +
         ", " + lit(age) + ", " + lit(opt(date_joined)) + ")");
  }

  // Every row of a table as text (nullopt for NULL), in rowid order.
  rows_t table_rows(const std::string& table) {
    auto rows = warehouse::sql::query_text(db_, "SELECT * FROM " + table + " ORDER BY rowid");
    EXPECT_TRUE(rows.ok()) << rows.error().to_string();
    return rows ? *rows : rows_t{};
  }

  std::string dir_;
  warehouse::sql::db_ptr conn_;
  sqlite3* db_ = nullptr; // conn_'s handle
};

} // namespace pinpipe::batch::test
