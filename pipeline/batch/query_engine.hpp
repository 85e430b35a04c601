// The fast path of the 9 batch queries: reads pin_clean, geo_clean and user_clean ONCE
// (only the columns the queries use), joins them on `ind` in memory with sorted vectors and
// computes all 9 results with hash aggregation and nth_element for the lower median.
//
// Why two implementations: the SQL in query_sql.cpp is the readable definition (and what
// run_query / `pinpipe query` use), but SQLite needs ~1-2 s per query for 300k rows (automatic
// index per join, B-tree GROUP BY), far too slow for the batch job's target of 200k lake
// records/s. This engine gives the same rows (the tests run both on every hand-built data set
// and on seeded random tables and require equal outputs) in well under a second.
//
// Semantics are exactly those of queries.hpp. Like SQL's CAST(substr(ts, 1, 4) AS INTEGER)
// guarded by GLOB in query_sql.cpp, a year is the first four characters of the timestamp when
// they are all digits, otherwise the row has no year.
// Threading: a plain function; the sqlite3* is used on the calling thread only.
#pragma once

#include <vector>

#include "common/status.hpp"
#include "pipeline/batch/queries.hpp"

struct sqlite3;

namespace pinpipe::batch {

/// All 9 outputs, in query_names() order, rows sorted as sort_rows() does.
result<std::vector<query_output>> run_all_queries(sqlite3* db);

} // namespace pinpipe::batch
