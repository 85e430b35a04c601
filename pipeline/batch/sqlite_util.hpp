// Small RAII helpers around the SQLite C API for pinpipe_batch: a prepared statement that
// finalizes itself, and exec/transaction helpers that turn SQLite errors into `status` values
// naming the statement that failed. Internal to pipeline/batch; one thread per sqlite3*.
#pragma once

#include <memory>
#include <string>

#include <sqlite3.h>

#include "common/status.hpp"
#include "pipeline/warehouse/sqlite_util.hpp"

namespace pinpipe::batch::sql {

struct stmt_deleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

/// Prepares `text`; the error names `what` and SQLite's message.
result<stmt_ptr> prepare(sqlite3* db, const std::string& text, const std::string& what);

/// Runs one or more statements without results.
status exec(sqlite3* db, const std::string& text, const std::string& what);

/// `"name"` with inner quotes doubled: a safe SQL identifier (warehouse::schema::quote).
std::string quote_ident(const std::string& name);

/// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless commit() succeeded: the
/// warehouse's (pinpipe_batch links pinpipe_warehouse).
using warehouse::sql::transaction;

} // namespace pinpipe::batch::sql
