// The report of one batch run: `<results_dir>/<run id>/report.html`, one self-contained HTML
// file that opens from disk in any browser. It holds the run's facts (counts, stage times),
// the 9 queries each as an inline SVG chart (svg_chart.hpp) with its full table underneath,
// and the dead-letter counts per path and reason. No script, no stylesheet or image from
// elsewhere, no external URL; every value that comes from data is HTML-escaped.
//
// Where it fits: run_batch (batch_job.cpp) writes it as its last step, so every run writes
// one (`pinpipe batch run`, the scheduler's runs, `simulate`); batch_report::report_path
// names it. Threading: plain functions; the sqlite3* is used from the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "pipeline/batch/batch_job.hpp"
#include "pipeline/batch/queries.hpp"

struct sqlite3;

namespace pinpipe::batch {

/// Dead letters of one (path, reason).
struct dead_letter_count {
  std::string path; ///< "batch" or "stream"
  std::string reason;
  int64_t count = 0;
};

/// Counts per (path, reason) of the warehouse's dead_letters table, largest first, at most
/// `limit` groups (the rest summed into one row with reason "(other reasons)").
result<std::vector<dead_letter_count>> count_dead_letters(sqlite3* db, size_t limit = 50);

/// The report's HTML text.
std::string render_report_html(const batch_report& rep, const std::vector<query_output>& outs,
                               const std::vector<dead_letter_count>& dead);

/// Writes <rep.output_dir>/report.html (temp file + rename) and returns its path.
result<std::string> write_report_html(sqlite3* db, const batch_report& rep,
                                      const std::vector<query_output>& outs);

} // namespace pinpipe::batch
