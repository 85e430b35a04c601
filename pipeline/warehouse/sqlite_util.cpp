#include "pipeline/warehouse/sqlite_util.hpp"

namespace pinpipe::warehouse::sql {

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

result<db_ptr> open_readonly(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  db_ptr db{raw};
  if (rc != SQLITE_OK)
    return status{errc::io_error, "cannot open " + path + " read-only: " +
                                      (raw ? sqlite3_errmsg(raw) : "out of memory")};
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

status exec(sqlite3* db, const std::string& sql_text) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql_text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return status::success();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  status st = error(nullptr, rc, "running '" + sql_text.substr(0, 80) + "'");
  return {st.code(), "running '" + sql_text.substr(0, 80) + "': " + msg};
}

status stmt::prepare(sqlite3* db, const std::string& sql_text) {
  sqlite3_finalize(s_);
  s_ = nullptr;
  int rc = sqlite3_prepare_v3(db, sql_text.c_str(), static_cast<int>(sql_text.size()),
                              SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  if (rc != SQLITE_OK) return error(db, rc, "preparing '" + sql_text.substr(0, 80) + "'");
  return status::success();
}

status stmt::step(const std::string& what, int* out_rc) {
  int rc = sqlite3_step(s_);
  if (out_rc) *out_rc = rc;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return status::success();
  status st = error(sqlite3_db_handle(s_), rc, what);
  reset();
  return st;
}

status stmt::run(const std::string& what) {
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) {
    if (auto st = step(what, &rc); !st) return st;
  }
  reset();
  return status::success();
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
