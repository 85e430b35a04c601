#include "pipeline/source/source_db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/logging.hpp"
#include "pipeline/source/row_generator.hpp"

namespace pinpipe::source {

namespace {

namespace fs = std::filesystem;
namespace sql = warehouse::sql;

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

/// The connection and the insert statements of one generate() call (statements first:
/// they are finalized before the connection closes).
struct writer {
  sql::db_ptr db;
  sql::stmt pin, geo, user;
};

/// "source db: <what>" for an error of warehouse::sql, as io_error.
status source_error(const status& st) {
  return {errc::io_error, "source db: " + st.message()};
}

status insert(writer& w, const source_rows& r) {
  const pin_row& p = r.pin;
  w.pin.bind(1, p.index).bind(2, p.unique_id).bind(3, p.title).bind(4, p.description);
  w.pin.bind(5, p.poster_name).bind(6, p.follower_count).bind(7, p.tag_list);
  w.pin.bind(8, p.is_image_or_video).bind(9, p.image_src).bind(10, p.downloaded);
  w.pin.bind(11, p.save_location).bind(12, p.category);
  if (auto st = w.pin.run("insert into pinterest_data"); !st) return source_error(st);
  w.geo.bind(1, r.geo.ind).bind(2, r.geo.timestamp).bind(3, r.geo.latitude);
  w.geo.bind(4, r.geo.longitude).bind(5, r.geo.country);
  if (auto st = w.geo.run("insert into geolocation_data"); !st) return source_error(st);
  w.user.bind(1, r.user.ind).bind(2, r.user.first_name).bind(3, r.user.last_name);
  w.user.bind(4, r.user.age).bind(5, r.user.date_joined);
  if (auto st = w.user.run("insert into user_data"); !st) return source_error(st);
  return {};
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
  auto db = sql::open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, /*busy_ms=*/0);
  if (!db) return status{errc::io_error, "source db: cannot create " + tmp + ": " +
                                             db.error().message()};
  writer w;
  w.db = std::move(*db);
  sqlite3* c = w.db.get();
  // The file is private until the rename, so no journal and no syncs while writing;
  // one fsync at the end makes it durable.
  for (const char* text : {"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", schema_sql})
    if (auto st = sql::exec(c, text); !st) return source_error(st);
  if (auto st = w.pin.prepare(c, "INSERT INTO pinterest_data VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
      !st)
    return source_error(st);
  if (auto st = w.geo.prepare(c, "INSERT INTO geolocation_data VALUES (?,?,?,?,?)"); !st)
    return source_error(st);
  if (auto st = w.user.prepare(c, "INSERT INTO user_data VALUES (?,?,?,?,?)"); !st)
    return source_error(st);
  if (auto st = sql::exec(c, "BEGIN"); !st) return source_error(st);
  row_generator gen(opt.seed, opt.rows);
  for (int64_t key = 0; key < opt.rows; ++key) {
    if (auto st = insert(w, gen.row(key)); !st) return st;
    if (opt.progress && (key + 1) % progress_every == 0) opt.progress(key + 1, opt.rows);
  }
  if (auto st = sql::exec(c, "COMMIT"); !st) return source_error(st);
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
  auto db = sql::open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, /*busy_ms=*/0);
  if (!db) return status{errc::io_error, "cannot open source db: " + db.error().message()};
  std::unique_ptr<source_db> s(new source_db(path, std::move(*db)));
  sqlite3* c = s->db_.get();
  const char* select_sql[] = {"SELECT * FROM pinterest_data WHERE \"index\" = ?",
                              "SELECT * FROM geolocation_data WHERE ind = ?",
                              "SELECT * FROM user_data WHERE ind = ?"};
  sql::stmt* stmts[] = {&s->pin_, &s->geo_, &s->user_};
  for (int i = 0; i < 3; ++i)
    if (!stmts[i]->prepare(c, select_sql[i]).ok())
      return status{errc::corrupt_data, "source db " + path + " is not a pinpipe source (" +
                                            sqlite3_errmsg(c) +
                                            "); regenerate it with `pinpipe gen-source`"};
  int64_t counts[3] = {0, 0, 0};
  const char* count_sql[] = {"SELECT count(*) FROM pinterest_data",
                             "SELECT count(*) FROM geolocation_data",
                             "SELECT count(*) FROM user_data"};
  for (int i = 0; i < 3; ++i) {
    auto n = sql::query_int(c, count_sql[i]);
    counts[i] = n ? *n : 0;
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

source_db::~source_db() = default;

result<std::string> source_db::row_json(sql::stmt& stmt, int64_t key, const char* table) const {
  stmt.reset();
  stmt.bind(1, key);
  const std::string what =
      std::string("source db ") + path_ + ": no row " + std::to_string(key) + " in " + table;
  auto row = stmt.next(what);
  if (!row) return status{errc::io_error, row.error().message()};
  if (!*row) return status{errc::not_found, what};
  nlohmann::ordered_json obj = nlohmann::ordered_json::object();
  const int n = stmt.column_count();
  for (int i = 0; i < n; ++i) {
    const char* name = stmt.column_name(i);
    switch (stmt.type(i)) {
    case SQLITE_INTEGER:
      obj[name] = stmt.integer(i);
      break;
    case SQLITE_FLOAT:
      obj[name] = stmt.real(i);
      break;
    case SQLITE_NULL:
      obj[name] = nullptr;
      break;
    default: // TEXT (and BLOB, which we never write) as a string
      obj[name] = stmt.text(i);
    }
  }
  stmt.reset();
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
