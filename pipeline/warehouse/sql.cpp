#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::warehouse::sql {
namespace {

// The first 80 characters of a statement, for error messages.
std::string quoted(const std::string& sql_text) {
  return "'" + sql_text.substr(0, 80) + (sql_text.size() > 80 ? "...'" : "'");
}

} // namespace

status error(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
  case SQLITE_FULL:
    return {errc::disk_full, msg + " (free disk space and retry)"};
  case SQLITE_CONSTRAINT:
    return {errc::corrupt_data, msg};
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return {errc::unavailable, msg + " (another process is writing the warehouse; only one "
                                     "writer per file is supported)"};
  default:
    return {errc::io_error, msg};
  }
}

result<db_ptr> open(const std::string& path, int flags, int busy_ms) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db{raw};
  if (rc != SQLITE_OK) {
    const bool ro = (flags & SQLITE_OPEN_READONLY) != 0;
    return status{errc::io_error, "cannot open " + path + (ro ? " read-only: " : ": ") +
                                      (raw ? sqlite3_errmsg(raw) : "out of memory")};
  }
  if (busy_ms > 0) sqlite3_busy_timeout(raw, busy_ms);
  return db;
}

result<db_ptr> open_readonly(const std::string& path) {
  return open(path, SQLITE_OPEN_READONLY);
}

status exec(sqlite3* db, const std::string& sql_text) {
  if (db == nullptr)
    return {errc::invalid_argument, "running " + quoted(sql_text) + ": no database handle"};
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql_text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return status::success();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  status st = error(nullptr, rc, "running " + quoted(sql_text));
  return {st.code(), "running " + quoted(sql_text) + ": " + msg};
}

status stmt::prepare(sqlite3* db, const std::string& sql_text) {
  sqlite3_finalize(s_);
  s_ = nullptr;
  bind_rc_ = SQLITE_OK;
  if (db == nullptr)
    return prepared_ = {errc::invalid_argument,
                        "preparing " + quoted(sql_text) + ": no database handle"};
  int rc = sqlite3_prepare_v3(db, sql_text.c_str(), static_cast<int>(sql_text.size()),
                              SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  if (rc != SQLITE_OK) return prepared_ = error(db, rc, "preparing " + quoted(sql_text));
  if (s_ == nullptr) // only white space or comments
    return prepared_ = {errc::invalid_argument,
                        "preparing " + quoted(sql_text) + ": no statement in the text"};
  return prepared_ = status::success();
}

status stmt::step(const std::string& what, int* out_rc) {
  if (s_ == nullptr) {
    if (out_rc) *out_rc = SQLITE_MISUSE;
    return {errc::invalid_argument, what + ": the statement was not prepared" +
                                        (prepared_.ok() ? "" : " (" + prepared_.message() + ")")};
  }
  if (bind_rc_ != SQLITE_OK) {
    int rc = bind_rc_;
    if (out_rc) *out_rc = rc;
    reset();
    return {errc::invalid_argument, what + ": binding a parameter failed: " + sqlite3_errstr(rc)};
  }
  int rc = sqlite3_step(s_);
  if (out_rc) *out_rc = rc;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return status::success();
  status st = error(sqlite3_db_handle(s_), rc, what);
  reset();
  return st;
}

result<bool> stmt::next(const std::string& what) {
  int rc = 0;
  if (auto st = step(what, &rc); !st) return st;
  if (rc == SQLITE_ROW) return true;
  reset();
  return false;
}

status stmt::run(const std::string& what) {
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) {
    if (auto st = step(what, &rc); !st) return st;
  }
  reset();
  return status::success();
}

std::string_view stmt::text_view(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(s_, col))};
}

std::optional<std::string> stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

result<int64_t> query_int(sqlite3* db, const std::string& sql_text, int64_t if_empty) {
  stmt s;
  if (auto st = s.prepare(db, sql_text); !st) return st;
  auto row = s.next("running " + quoted(sql_text));
  if (!row) return row.error();
  return *row ? s.integer(0) : if_empty;
}

result<std::vector<text_row>> query_text(sqlite3* db, const std::string& sql_text,
                                         std::vector<std::string>* columns) {
  stmt s;
  if (auto st = s.prepare(db, sql_text); !st) return st;
  const int n = s.column_count();
  if (columns)
    for (int i = 0; i < n; ++i)
      columns->push_back(s.column_name(i));
  std::vector<text_row> rows;
  for (;;) {
    auto more = s.next("running " + quoted(sql_text));
    if (!more) return more.error();
    if (!*more) return rows;
    text_row row;
    row.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
      row.push_back(s.opt_text(i));
    rows.push_back(std::move(row));
  }
}

transaction::~transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

status transaction::begin() {
  auto st = exec(db_, "BEGIN IMMEDIATE");
  open_ = st.ok();
  return st;
}

status transaction::commit() {
  auto st = exec(db_, "COMMIT");
  if (st.ok()) open_ = false;
  return st;
}

} // namespace pinpipe::warehouse::sql
