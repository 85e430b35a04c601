// The SQL text of the 9 batch queries (PIPELINE.md section 8), one definition per query:
// name, output columns in order, and a single SELECT over pin_clean / geo_clean / user_clean.
// Internal to pinpipe_batch (queries.cpp runs them); docs/queries.md shows the same SQL.
// Pure data: no state, safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::batch {

struct query_def {
  std::string name;
  std::vector<std::string> columns;
  std::string sql;
};

/// The 9 definitions in PIPELINE order.
const std::vector<query_def>& query_defs();

/// A query that SQLite could not prepare or run (`st`, from warehouse::sql), as an internal
/// error naming `what` and pointing at the usual cause: the batch tables are missing.
status query_failed(const std::string& what, const status& st);

} // namespace pinpipe::batch
