// The one SQLite wrapper of pinpipe (library pinpipe_sql, owned by the warehouse): RAII
// connections and prepared statements, bind/step/column helpers, exec and a transaction
// guard, and the mapping of SQLite result codes to pinpipe statuses. SQLite reports errors
// through return codes; this is where they become values whose message names the statement
// (or the caller's `what`) and sqlite3_errmsg. Every SQLite user in the project (warehouse,
// batch queries and outputs, scheduler run history, source database, console, tests and
// benchmarks) goes through it.
//
// Threading: a connection and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "common/status.hpp"

namespace pinpipe::warehouse::sql {

/// A status for SQLite result code `rc` on `db`: "<what>: <sqlite message>". SQLITE_FULL maps
/// to disk_full, SQLITE_CONSTRAINT to corrupt_data, SQLITE_BUSY to unavailable, others io_error.
status error(sqlite3* db, int rc, const std::string& what);

/// Closes a connection (sqlite3_close_v2: statements still open are finalized first by
/// their owners; the handle goes once they are).
struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

/// Opens the SQLite file at `path` with sqlite3_open_v2 `flags` and a busy timeout of
/// `busy_ms` (how long to wait for another writer's lock; 0: none). The error names the path.
result<db_ptr> open(const std::string& path, int flags, int busy_ms = 5000);

/// Opens the SQLite file at `path` read-only (never creates it; waits up to 5 s for a
/// writer's lock). The error names the path.
result<db_ptr> open_readonly(const std::string& path);

/// Runs SQL without results (DDL, pragmas, BEGIN/COMMIT); the error names the SQL.
status exec(sqlite3* db, const std::string& sql_text);

/// A prepared statement. Binds and the current row's columns are 1-based and 0-based as in
/// SQLite. After the last row (or run()), the statement is reset for the next use.
class stmt {
public:
  stmt() = default;
  /// Prepares `sql_text` on `db`; check ok() / prepare_status().
  stmt(sqlite3* db, const std::string& sql_text) { prepared_ = prepare(db, sql_text); }
  ~stmt() { sqlite3_finalize(s_); }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;

  /// Prepares `sql_text` (finalizing any earlier statement); the error names the SQL.
  status prepare(sqlite3* db, const std::string& sql_text);
  /// Whether the constructor's prepare succeeded, and its status.
  bool ok() const { return s_ != nullptr && prepared_.ok(); }
  const status& prepare_status() const { return prepared_; }
  sqlite3_stmt* get() const { return s_; }
  sqlite3* db() const { return s_ ? sqlite3_db_handle(s_) : nullptr; }
  /// Rows changed by the last INSERT/UPDATE/DELETE on this statement's connection.
  int64_t changes() const { return s_ ? sqlite3_changes64(db()) : 0; }

  // Binds (1-based index). Text from an lvalue or a view is bound SQLITE_STATIC: it must
  // outlive the step; a temporary std::string is copied (SQLITE_TRANSIENT).
  stmt& bind(int i, int64_t v) { return done(sqlite3_bind_int64(s_, i, v)); }
  stmt& bind(int i, int v) { return done(sqlite3_bind_int64(s_, i, v)); }
  stmt& bind(int i, double v) { return done(sqlite3_bind_double(s_, i, v)); }
  stmt& bind(int i, std::string_view v) {
    return done(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  stmt& bind(int i, std::string&& v) {
    return done(
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  stmt& bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : bind_null(i);
  }
  stmt& bind(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  stmt& bind_null(int i) { return done(sqlite3_bind_null(s_, i)); }

  /// Steps once; SQLITE_ROW or SQLITE_DONE are success (returned in *rc). On an error the
  /// statement is reset and the status is error(db, rc, what).
  status step(const std::string& what, int* rc = nullptr);
  /// Steps once: true with a row to read, false when done (the statement is then reset).
  result<bool> next(const std::string& what);
  /// Steps to completion and resets (for INSERT/UPDATE/DELETE).
  status run(const std::string& what);
  /// Finalizes the statement now (before a COMMIT, say); prepare() makes it usable again.
  void finalize() {
    sqlite3_finalize(s_);
    s_ = nullptr;
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    bind_rc_ = SQLITE_OK;
  }

  // The current row (after step/next gave a row); col is 0-based.
  int column_count() const { return sqlite3_column_count(s_); }
  const char* column_name(int col) const { return sqlite3_column_name(s_, col); }
  /// SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL.
  int type(int col) const { return sqlite3_column_type(s_, col); }
  bool is_null(int col) const { return type(col) == SQLITE_NULL; }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  /// The value as text; "" for NULL. Valid until the next step.
  std::string_view text_view(int col) const;
  std::string text(int col) const { return std::string(text_view(col)); }
  /// The value as text; nullopt for NULL.
  std::optional<std::string> opt_text(int col) const;

private:
  // A failed bind (index out of range, no statement) is kept and reported by the next step.
  stmt& done(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }
  sqlite3_stmt* s_ = nullptr;
  status prepared_;
  int bind_rc_ = SQLITE_OK;
};

/// The first column of the first row of `sql_text` as an integer; `if_empty` when it gives
/// no row. Errors (no such table, ...) name the SQL.
result<int64_t> query_int(sqlite3* db, const std::string& sql_text, int64_t if_empty = 0);

/// Every row of `sql_text`, each value as text (nullopt for NULL); the column names are put in
/// *columns when given. Errors name the SQL.
using text_row = std::vector<std::optional<std::string>>;
result<std::vector<text_row>> query_text(sqlite3* db, const std::string& sql_text,
                                         std::vector<std::string>* columns = nullptr);

/// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless commit() succeeded.
class transaction {
public:
  explicit transaction(sqlite3* db) : db_(db) {}
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  status begin();
  status commit();

private:
  sqlite3* db_;
  bool open_ = false;
};

} // namespace pinpipe::warehouse::sql
