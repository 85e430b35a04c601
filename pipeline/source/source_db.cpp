#include "pipeline/source/source_db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "common/logging.hpp"
#include "pipeline/source/row_generator.hpp"

namespace pinpipe::source {

namespace {

namespace fs = std::filesystem;

constexpr const char* schema_sql = R"sql(
CREATE TABLE pinterest_data ("index" INTEGER PRIMARY KEY, unique_id TEXT, title TEXT,
  description TEXT, poster_name TEXT, follower_count TEXT, tag_list TEXT,
  is_image_or_video TEXT, image_src TEXT, downloaded INTEGER, save_location TEXT,
  category TEXT);
CREATE TABLE geolocation_data (ind INTEGER PRIMARY KEY, timestamp DATETIME, latitude REAL,
  longitude REAL, country TEXT);
CREATE TABLE user_data (ind INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
  age INTEGER, date_joined DATETIME);
)sql";

constexpr int64_t progress_every = 10000;

/// Owns a sqlite3 handle and the statements of one generate() call.
struct writer {
  sqlite3* db = nullptr;
  sqlite3_stmt* pin = nullptr;
  sqlite3_stmt* geo = nullptr;
  sqlite3_stmt* user = nullptr;
  ~writer() {
    sqlite3_finalize(pin);
    sqlite3_finalize(geo);
    sqlite3_finalize(user);
    if (db) sqlite3_close(db);
  }
  status error(const std::string& what) const {
    return {errc::io_error, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
  }
  status exec(const char* sql) const {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown error";
      sqlite3_free(msg);
      return {errc::io_error, std::string("source db: ") + m};
    }
    return {};
  }
  status prepare(const char* sql, sqlite3_stmt** stmt) const {
    if (sqlite3_prepare_v2(db, sql, -1, stmt, nullptr) != SQLITE_OK)
      return error("source db: cannot prepare statement");
    return {};
  }
};

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

status step_reset(const writer& w, sqlite3_stmt* s, const char* table) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE) return w.error(std::string("source db: insert into ") + table + " failed");
  return {};
}

status insert(const writer& w, const source_rows& r) {
  const pin_row& p = r.pin;
  sqlite3_bind_int64(w.pin, 1, p.index);
  bind_text(w.pin, 2, p.unique_id);
  bind_text(w.pin, 3, p.title);
  bind_text(w.pin, 4, p.description);
  bind_text(w.pin, 5, p.poster_name);
  bind_text(w.pin, 6, p.follower_count);
  bind_text(w.pin, 7, p.tag_list);
  bind_text(w.pin, 8, p.is_image_or_video);
  bind_text(w.pin, 9, p.image_src);
  sqlite3_bind_int(w.pin, 10, p.downloaded);
  bind_text(w.pin, 11, p.save_location);
  bind_text(w.pin, 12, p.category);
  if (auto st = step_reset(w, w.pin, "pinterest_data"); !st) return st;
  sqlite3_bind_int64(w.geo, 1, r.geo.ind);
  bind_text(w.geo, 2, r.geo.timestamp);
  sqlite3_bind_double(w.geo, 3, r.geo.latitude);
  sqlite3_bind_double(w.geo, 4, r.geo.longitude);
  bind_text(w.geo, 5, r.geo.country);
  if (auto st = step_reset(w, w.geo, "geolocation_data"); !st) return st;
  sqlite3_bind_int64(w.user, 1, r.user.ind);
  bind_text(w.user, 2, r.user.first_name);
  bind_text(w.user, 3, r.user.last_name);
  sqlite3_bind_int(w.user, 4, r.user.age);
  bind_text(w.user, 5, r.user.date_joined);
  return step_reset(w, w.user, "user_data");
}

status fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return {errc::io_error, "source db: cannot open " + path + " to fsync it"};
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return {errc::io_error, "source db: fsync of " + path + " failed"};
  return {};
}

status write_tmp(const gen_options& opt, const std::string& tmp) {
  writer w;
  if (sqlite3_open_v2(tmp.c_str(), &w.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK)
    return w.error("source db: cannot create " + tmp);
  // The file is private until the rename, so no journal and no syncs while writing;
  // one fsync at the end makes it durable.
  for (const char* sql : {"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"})
    if (auto st = w.exec(sql); !st) return st;
  if (auto st = w.exec(schema_sql); !st) return st;
  if (auto st = w.prepare("INSERT INTO pinterest_data VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &w.pin);
      !st)
    return st;
  if (auto st = w.prepare("INSERT INTO geolocation_data VALUES (?,?,?,?,?)", &w.geo); !st)
    return st;
  if (auto st = w.prepare("INSERT INTO user_data VALUES (?,?,?,?,?)", &w.user); !st) return st;
  if (auto st = w.exec("BEGIN"); !st) return st;
  row_generator gen(opt.seed, opt.rows);
  for (int64_t key = 0; key < opt.rows; ++key) {
    if (auto st = insert(w, gen.row(key)); !st) return st;
    if (opt.progress && (key + 1) % progress_every == 0) opt.progress(key + 1, opt.rows);
  }
  if (auto st = w.exec("COMMIT"); !st) return st;
  if (opt.progress) opt.progress(opt.rows, opt.rows);
  return {};
}

} // namespace

status generate(const gen_options& opt) {
  if (opt.path.empty())
    return {errc::invalid_argument, "source db: no path given; pass the file to create"};
  if (opt.rows < 1)
    return {errc::invalid_argument,
            "source db: rows must be >= 1, got " + std::to_string(opt.rows)};
  std::error_code ec;
  fs::path target(opt.path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      return {errc::io_error, "source db: cannot create directory " +
                                  target.parent_path().string() + ": " + ec.message()};
  }
  const std::string tmp = opt.path + ".tmp";
  fs::remove(tmp, ec);
  auto log = logging::get("emulator");
  log->info("generating source db {} ({} rows per table, seed {})", opt.path, opt.rows, opt.seed);
  status st = write_tmp(opt, tmp);
  if (st) st = fsync_path(tmp, false);
  if (st) {
    fs::rename(tmp, target, ec);
    if (ec)
      st = {errc::io_error,
            "source db: cannot rename " + tmp + " to " + opt.path + ": " + ec.message()};
  }
  if (!st) {
    fs::remove(tmp, ec);
    return st;
  }
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return fsync_path(dir.string(), true);
}

// -- source_db ---------------------------------------------------------------------------

result<std::unique_ptr<source_db>> source_db::open(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return status{errc::not_found,
                  "source db " + path + " does not exist; create it with `pinpipe gen-source`"};
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<source_db> s(new source_db(path, db));
  if (rc != SQLITE_OK)
    return status{errc::io_error, "cannot open source db " + path + ": " +
                                      (db ? sqlite3_errmsg(db) : "out of memory")};
  const char* sql[] = {"SELECT * FROM pinterest_data WHERE \"index\" = ?",
                       "SELECT * FROM geolocation_data WHERE ind = ?",
                       "SELECT * FROM user_data WHERE ind = ?"};
  sqlite3_stmt** stmts[] = {&s->pin_, &s->geo_, &s->user_};
  for (int i = 0; i < 3; ++i)
    if (sqlite3_prepare_v2(db, sql[i], -1, stmts[i], nullptr) != SQLITE_OK)
      return status{errc::corrupt_data, "source db " + path + " is not a pinpipe source (" +
                                            sqlite3_errmsg(db) +
                                            "); regenerate it with `pinpipe gen-source`"};
  int64_t counts[3] = {0, 0, 0};
  const char* count_sql[] = {"SELECT count(*) FROM pinterest_data",
                             "SELECT count(*) FROM geolocation_data",
                             "SELECT count(*) FROM user_data"};
  for (int i = 0; i < 3; ++i) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, count_sql[i], -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      counts[i] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (counts[0] != counts[1] || counts[0] != counts[2] || counts[0] == 0)
    return status{errc::corrupt_data, "source db " + path + " has unequal or empty tables (" +
                                          std::to_string(counts[0]) + "/" +
                                          std::to_string(counts[1]) + "/" +
                                          std::to_string(counts[2]) +
                                          " rows); regenerate it with `pinpipe gen-source`"};
  s->rows_ = counts[0];
  return s;
}

source_db::~source_db() {
  sqlite3_finalize(pin_);
  sqlite3_finalize(geo_);
  sqlite3_finalize(user_);
  if (db_) sqlite3_close(db_);
}

result<std::string> source_db::row_json(sqlite3_stmt* stmt, int64_t key, const char* table) const {
  sqlite3_reset(stmt);
  sqlite3_bind_int64(stmt, 1, key);
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(stmt);
    return status{rc == SQLITE_DONE ? errc::not_found : errc::io_error,
                  std::string("source db ") + path_ + ": no row " + std::to_string(key) + " in " +
                      table + (rc == SQLITE_DONE ? "" : std::string(": ") + sqlite3_errmsg(db_))};
  }
  nlohmann::ordered_json obj = nlohmann::ordered_json::object();
  const int n = sqlite3_column_count(stmt);
  for (int i = 0; i < n; ++i) {
    const char* name = sqlite3_column_name(stmt, i);
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      obj[name] = sqlite3_column_int64(stmt, i);
      break;
    case SQLITE_FLOAT:
      obj[name] = sqlite3_column_double(stmt, i);
      break;
    case SQLITE_NULL:
      obj[name] = nullptr;
      break;
    default: { // TEXT (and BLOB, which we never write) as a string
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      obj[name] = std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
    }
    }
  }
  sqlite3_reset(stmt);
  // Invalid UTF-8 (only possible in a foreign file) is replaced instead of throwing.
  return obj.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

result<event_rows> source_db::event(int64_t key) const {
  if (key < 0 || key >= rows_)
    return status{errc::invalid_argument, "key " + std::to_string(key) +
                                              " is outside the source db's keys 0.." +
                                              std::to_string(rows_ - 1) + " (" + path_ +
                                              "); lower key_max or generate more rows"};
  event_rows ev;
  auto pin = row_json(pin_, key, "pinterest_data");
  if (!pin) return pin.error();
  auto geo = row_json(geo_, key, "geolocation_data");
  if (!geo) return geo.error();
  auto user = row_json(user_, key, "user_data");
  if (!user) return user.error();
  ev.pin = std::move(*pin);
  ev.geo = std::move(*geo);
  ev.user = std::move(*user);
  return ev;
}

} // namespace pinpipe::source
