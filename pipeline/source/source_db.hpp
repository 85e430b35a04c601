// The source database: the self-hosted counterpart of the course's RDS MySQL instance
// (PIPELINE §1). `generate` writes a SQLite file with the three tables pinterest_data,
// geolocation_data and user_data, deterministically from a seed (see row_generator.hpp for
// the data model); `source_db` reads it back, one event (the three rows with key n) at a time,
// as the JSON objects the emulator sends (PIPELINE §2).
//
// On disk (documented in docs/source-data.md): a plain SQLite 3 file, schema
//   pinterest_data("index" INTEGER PRIMARY KEY, unique_id TEXT, title TEXT, description TEXT,
//     poster_name TEXT, follower_count TEXT, tag_list TEXT, is_image_or_video TEXT,
//     image_src TEXT, downloaded INTEGER, save_location TEXT, category TEXT)
//   geolocation_data(ind INTEGER PRIMARY KEY, timestamp DATETIME, latitude REAL,
//     longitude REAL, country TEXT)
//   user_data(ind INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, age INTEGER,
//     date_joined DATETIME)
// with keys 0..rows-1 in every table. Datetimes are TEXT "YYYY-MM-DD HH:MM:SS".
//
// Lifecycle/threading: generate() is a free function, safe to call from any thread (it
// writes <path>.tmp and renames it over <path>, so readers never see a half file).
// A source_db is read-only and NOT thread-safe: open one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::source {

struct gen_options {
  std::string path;     ///< e.g. <data-dir>/source.db; parent directories are created
  int64_t rows = 11153; ///< rows per table, keys 0..rows-1
  uint64_t seed = 1;    ///< deterministic: same seed + rows -> identical tables
  std::function<void(int64_t done, int64_t total)> progress; ///< may be empty
};

/// Writes the source database to opt.path (via <path>.tmp + fsync + rename).
status generate(const gen_options& opt);

/// The three rows with one key as JSON object text (keys = column names in column order,
/// integers and floats as numbers, everything else as strings; PIPELINE §2).
struct event_rows {
  std::string pin, geo, user;
};

class source_db {
public:
  static result<std::unique_ptr<source_db>> open(const std::string& path);
  ~source_db();
  source_db(const source_db&) = delete;
  source_db& operator=(const source_db&) = delete;

  /// Rows per table (keys are 0..row_count()-1).
  int64_t row_count() const { return rows_; }
  const std::string& path() const { return path_; }
  /// The three rows with key n as JSON text; invalid_argument when n is out of range.
  result<event_rows> event(int64_t key) const;

private:
  source_db(std::string path, warehouse::sql::db_ptr db)
      : path_(std::move(path)), db_(std::move(db)) {}
  result<std::string> row_json(warehouse::sql::stmt& stmt, int64_t key, const char* table) const;

  std::string path_;
  warehouse::sql::db_ptr db_; // declared before the statements: closed after them
  mutable warehouse::sql::stmt pin_, geo_, user_;
  int64_t rows_ = 0;
};

} // namespace pinpipe::source
