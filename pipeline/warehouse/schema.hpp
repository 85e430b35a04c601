// Internal to the warehouse: the table definitions (docs/warehouse.md is the user-facing copy),
// and the helpers that create them and check that an existing file matches.
//
// Column order is part of the contract: batch and stream tables list the columns of
// PIPELINE.md section 6 in that order; stream tables add `_partition`, `_offset`, `_incarnation`
// at the end.
//
// Migration: a column added after the first release is listed in table::added (with a DEFAULT
// in the DDL). A file whose table lacks exactly those trailing columns is upgraded when opened:
// ALTER TABLE ADD COLUMN, or, when the new column is part of the table's UNIQUE key
// (table::rekey), a copy into a new table in one transaction (SQLite cannot change a UNIQUE
// constraint in place). Old rows get the default.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

struct sqlite3;

namespace pinpipe::warehouse::schema {

struct table {
  std::string name;
  std::vector<std::string> columns; // names, in order (checked against an existing table)
  std::string ddl;                  // CREATE TABLE IF NOT EXISTS ... plus any indexes
  std::string body;                 // "(<columns and constraints>)" of the CREATE TABLE
  std::vector<std::pair<std::string, std::string>> added; // (name, type + DEFAULT), trailing
  bool rekey = false; // an added column is part of the UNIQUE key: migrate by copying
};

/// Every table the warehouse owns, for a given uid.
std::vector<table> all_tables(const std::string& uid);

/// `name` as a quoted SQL identifier ("0a60b9a8a831_pin_table" must be quoted: it starts
/// with a digit).
std::string quote(const std::string& name);

/// Creates missing tables, migrates tables that lack only the trailing table::added columns;
/// fails (corrupt_data) when a table exists with other columns.
status create_or_check(sqlite3* db, const std::string& path, const std::string& uid);

} // namespace pinpipe::warehouse::schema
