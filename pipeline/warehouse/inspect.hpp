// Read-only views of a warehouse file for the CLI (`pinpipe status`, the simulate summary):
// row counts and the stream sinks' positions. The CLI reads the warehouse only through
// these functions (and the run history through batch::read_run_history), never with SQL
// of its own. Each call opens the file read-only for its duration; safe while a node
// writes it (SQLite locking; waits up to 5 s for a writer).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::warehouse {

/// The tables `pinpipe status` and the simulate summary count, for user id `uid`: the
/// three stream tables, the three batch tables and dead_letters, in that order.
std::vector<std::string> reported_tables(const std::string& uid);

/// Row counts of `tables` in the warehouse at `path`, in the order given; a table that does
/// not exist (yet) counts -1. Fails only when the file cannot be opened.
result<std::vector<std::pair<std::string, int64_t>>>
table_counts(const std::string& path, const std::vector<std::string>& tables);

/// The stream sinks' committed positions: (stream, shard) -> next offset to read. Empty
/// when the sink has not written any yet.
result<std::map<std::pair<std::string, int32_t>, int64_t>>
stream_positions(const std::string& path);

/// The rows of a read-only query, every value as text ("NULL" for SQL NULL).
struct query_rows {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// Runs the first statement of `sql` on the warehouse at `path`, opened read-only (a write
/// fails). Errors: io_error when the file cannot be opened; invalid_argument when the
/// statement does not prepare (bad SQL, unknown table, or no statement); the SQLite message
/// (read_only, busy, ...) when a step fails.
result<query_rows> query_readonly(const std::string& path, const std::string& sql);

} // namespace pinpipe::warehouse
