// The 9 batch queries (PIPELINE.md section 8): the Databricks notebook's analytics, run as SQL
// over the batch tables `pin_clean`, `geo_clean`, `user_clean` of the SQLite warehouse.
//
// Where it fits: the batch job (batch_job.hpp) rebuilds the batch tables from the lake, then
// calls run_query + write_outputs for every name in query_names(). The `pinpipe query` command
// can run one query by name.
//
// Threading: plain functions; the sqlite3* must be used by one thread at a time (the caller's).
//
// Outputs (format other tools read; details and every query's SQL in docs/queries.md):
// - `<results_dir>/<name>.csv`: a header line with the column names, then one line per row;
//   comma-separated, LF line ends, a field is quoted (RFC 4180: surrounded by `"`, inner `"`
//   doubled) when it contains a comma, a quote, CR or LF, or is the empty string; a null is an
//   empty unquoted field. Written to a temp file and renamed, so a reader never sees half a file.
// - Warehouse table `<name>`: dropped and recreated with the same columns and rows, in one
//   transaction. Count, year and follower columns are INTEGER, the others TEXT.
//
// Semantics shared by all queries: inner joins on `ind`; age groups 18-24, 25-35, 36-50,
// +50 (>= 51), other ages in no group; the lower median (smallest v with at least half of the
// non-null values <= v); null follower counts ignored and a group with none gives no row;
// "most popular" keeps every tied category; rows whose group key (country, category, year, age
// group) is null are left out. Rows sorted by all columns ascending, nulls first, integers
// numerically, text by byte value ("+50" < "18-24").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"

struct sqlite3;

namespace pinpipe::batch {

/// One query's result, every value as text (integers in decimal); nullopt = SQL NULL.
struct query_output {
  std::string name;
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

/// The 9 query names in PIPELINE order ("popular_category_by_country", ...).
const std::vector<std::string>& query_names();

/// SQLite column type of an output column: "INTEGER" for counts, years and follower counts,
/// "TEXT" otherwise.
const char* column_type(const std::string& column);

/// Runs one query over the batch tables. Errors: invalid_argument for an unknown name,
/// internal when SQLite fails (for example when the batch tables are missing).
result<query_output> run_query(sqlite3* db, const std::string& name);

/// Writes <results_dir>/<name>.csv (creating results_dir if needed) and replaces the warehouse
/// table <name> with the same rows, typed per column_type().
status write_outputs(sqlite3* db, const std::string& results_dir, const query_output& out);

/// Sorts rows by all columns ascending: nulls first, INTEGER columns numerically, text by bytes.
void sort_rows(const std::vector<std::string>& columns,
               std::vector<std::vector<std::optional<std::string>>>& rows);

/// RFC 4180 CSV text of a query output (header + rows, LF line ends), as write_outputs writes it.
std::string to_csv(const query_output& out);

} // namespace pinpipe::batch
