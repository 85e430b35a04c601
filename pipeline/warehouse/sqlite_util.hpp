// Internal to the warehouse: thin RAII wrappers over the SQLite C API (prepared statements,
// transactions) and the mapping of SQLite result codes to pinpipe statuses. SQLite reports
// errors through return codes, so this is where they become values.
//
// Threading: objects belong to the connection's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "common/status.hpp"

namespace pinpipe::warehouse::sql {

/// A status for SQLite result code `rc` on `db`: "<what>: <sqlite message>". SQLITE_FULL maps
/// to disk_full, SQLITE_CONSTRAINT to corrupt_data, SQLITE_BUSY to unavailable, others io_error.
status error(sqlite3* db, int rc, const std::string& what);

/// Closes a connection (sqlite3_close).
struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

/// Opens the SQLite file at `path` read-only (never creates it; waits up to 5 s for a
/// writer's lock). The error names the path.
result<db_ptr> open_readonly(const std::string& path);

/// Runs SQL without results (DDL, pragmas, BEGIN/COMMIT).
status exec(sqlite3* db, const std::string& sql_text);

/// A prepared statement, reset after each step cycle by its user.
class stmt {
public:
  stmt() = default;
  ~stmt() { sqlite3_finalize(s_); }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;

  status prepare(sqlite3* db, const std::string& sql_text);
  sqlite3_stmt* get() const { return s_; }

  // Binds (1-based index). Text is bound SQLITE_STATIC: it must outlive the step() call.
  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind(int i, const std::optional<std::string>& v) {
    if (v)
      bind(i, std::string_view(*v));
    else
      sqlite3_bind_null(s_, i);
  }
  void bind(int i, const std::optional<int64_t>& v) {
    if (v)
      bind(i, *v);
    else
      sqlite3_bind_null(s_, i);
  }

  /// Steps once; SQLITE_ROW or SQLITE_DONE are success (returned in *rc).
  status step(const std::string& what, int* rc = nullptr);
  /// Steps to completion and resets (for INSERT/UPDATE/DELETE).
  status run(const std::string& what);
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

private:
  sqlite3_stmt* s_ = nullptr;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless commit() succeeded.
class transaction {
public:
  explicit transaction(sqlite3* db) : db_(db) {}
  ~transaction();
  status begin();
  status commit();

private:
  sqlite3* db_;
  bool open_ = false;
};

} // namespace pinpipe::warehouse::sql
