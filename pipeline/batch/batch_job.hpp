// The batch job (PIPELINE.md sections 5-9; the Databricks notebook the Airflow DAG runs):
//   1. read every record of the lake (topics "<uid>.*", lake/lake_reader.hpp),
//   2. clean each one (clean/cleaner.hpp); a record that cannot be cleaned, and anything the
//      lake reader reports as unreadable, becomes a dead letter with path "batch",
//   3. keep ONE row per ind per table: the one with the lowest log offset (over several
//      partitions: the lowest (offset, partition)),
//   4. replace pin_clean / geo_clean / user_clean and add the dead letters (warehouse.hpp),
//   5. run the 9 queries (query_engine.hpp) into <results_dir>/<run_id>/<name>.csv and the
//      warehouse tables <name> (queries.hpp: write_outputs),
//   6. write <results_dir>/<run_id>/report.html (report_html.hpp).
//
// Reading runs on the calling thread; cleaning and de-duplication run on `clean_threads`
// worker threads fed through a bounded queue of record chunks, each worker keeping its own
// "lowest offset per ind" maps that are merged at the end (the rule does not depend on the
// order records are cleaned in, so the result is deterministic). The warehouse is used only
// from the calling thread. The progress callback runs on the calling thread.
//
// Lifecycle: one call per run; no state survives between calls except what is written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::warehouse {
class warehouse;
}

namespace pinpipe::batch {

struct batch_options {
  std::string lake_dir;             // the bucket: <lake_dir>/topics/<topic>/partition=<p>/...
  std::string uid = "0a60b9a8a831"; // topics "<uid>.pin", "<uid>.geo", "<uid>.user"
  std::string results_dir;          // outputs go to <results_dir>/<run_id>/
  std::string run_id;               // one path component: no '/', not "." or ".."
  int clean_threads = 0;            // worker threads; 0 = one per hardware thread
};

/// Wall-clock seconds of one stage ("read+clean", "merge", "write batch tables",
/// "write dead letters", "queries", "write outputs").
struct stage_time {
  std::string stage;
  double seconds = 0;
};

struct batch_report {
  std::string run_id;
  std::string output_dir;      // <results_dir>/<run_id>
  int64_t objects_read = 0;    // lake objects visited
  int64_t records_read = 0;    // lines the lake reader handed out as records
  int64_t records_cleaned = 0; // records the cleaner accepted
  int64_t dead_letters = 0;    // clean failures + lake problems, all stored in dead_letters
  int64_t lake_problems = 0;   // of which: reported by the lake reader (bad line, gap, ...)
  int64_t pin_rows = 0, geo_rows = 0, user_rows = 0; // rows written to the batch tables
  int64_t duplicates_dropped = 0; // cleaned records not kept (a lower offset had the same ind)
  std::vector<stage_time> stages;
  std::vector<std::string> outputs; // query names written, in order
  std::string report_path;          // <output_dir>/report.html (report_html.hpp)
  double total_seconds = 0;
  /// records_read per second over the whole run (load, clean, tables and queries).
  double records_per_second() const;
};

/// Progress of a long run: stage "read" (done/total = lake objects), "write" (0..1),
/// "queries" (done/total = queries written).
struct batch_progress {
  std::string stage;
  int64_t done = 0;
  int64_t total = 0;
};
using progress_fn = std::function<void(const batch_progress&)>;

/// Runs the whole batch job. Errors: invalid_argument (bad options), not_found (no lake
/// directory), and whatever the warehouse or the output writing report; on error the batch
/// tables are either the old ones or the new ones, never half written (one transaction).
result<batch_report> run_batch(warehouse::warehouse& wh, const batch_options& opt,
                               const progress_fn& progress = {});

} // namespace pinpipe::batch
