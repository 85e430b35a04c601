// The batch job as a fixed sequence of stages (see batch_job.hpp); each stage is timed.
#include "pipeline/batch/batch_job.hpp"

#include <chrono>
#include <exception>
#include <filesystem>
#include <thread>

#include "common/logging.hpp"
#include "pipeline/batch/clean_stage.hpp"
#include "pipeline/batch/queries.hpp"
#include "pipeline/batch/report_html.hpp"
#include "pipeline/batch/query_engine.hpp"
#include "pipeline/lake/lake_layout.hpp"
#include "pipeline/lake/lake_reader.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace pinpipe::batch {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

status check_options(const batch_options& opt) {
  const std::string& id = opt.run_id;
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos)
    return {errc::invalid_argument, "batch run id '" + id +
                                        "' cannot name a results directory: give a non-empty "
                                        "name without '/' (e.g. manual__2024-01-01T00:00:00)"};
  if (opt.lake_dir.empty())
    return {errc::invalid_argument, "batch job: no lake directory given (config lake_dir)"};
  if (opt.results_dir.empty())
    return {errc::invalid_argument, "batch job: no results directory given (config results_dir)"};
  if (opt.uid.empty())
    return {errc::invalid_argument, "batch job: empty user id (config pipeline.user_id)"};
  return {};
}

// A lake problem as a dead letter: topic and partition come from the object's path
// (<lake>/topics/<topic>/partition=<p>/<object>); "" and -1 when the path has another shape.
warehouse::dead_letter problem_letter(const lake::lake_problem& p) {
  std::filesystem::path path{p.object_path};
  auto part = lake::parse_partition_dir_name(path.parent_path().filename().string());
  warehouse::dead_letter d;
  d.path = "batch";
  d.topic = part ? path.parent_path().parent_path().filename().string() : std::string();
  d.partition = part ? *part : -1;
  d.offset = p.offset;
  d.raw = p.raw;
  d.reason = "lake: " + p.reason + " (object " + p.object_path + ")";
  return d;
}

result<batch_report> run(warehouse::warehouse& wh, const batch_options& opt,
                         const progress_fn& progress) {
  auto log = logging::get("batch");
  batch_report rep;
  rep.run_id = opt.run_id;
  rep.output_dir = (std::filesystem::path(opt.results_dir) / opt.run_id).string();
  const auto start = clock_type::now();
  auto stage = [&](const char* name, clock_type::time_point t) {
    rep.stages.push_back({name, seconds_since(t)});
  };
  auto report_progress = [&](const char* s, int64_t done, int64_t total) {
    if (progress) progress(batch_progress{s, done, total});
  };

  // 1-3. Read, clean, keep the lowest offset per ind.
  auto t = clock_type::now();
  int threads = opt.clean_threads > 0
                    ? opt.clean_threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  clean_stage cleaner{threads};
  std::vector<warehouse::dead_letter> problems;
  auto st = lake::read_lake(
      opt.lake_dir, opt.uid,
      [&](const lake::lake_record& r) {
        ++rep.records_read;
        cleaner.add(r.topic, r.partition, r.offset, r.raw);
      },
      [&](const lake::lake_problem& p) { problems.push_back(problem_letter(p)); },
      [&](int64_t done, int64_t total) {
        rep.objects_read = done;
        report_progress("read", done, total);
      });
  clean_result cleaned = cleaner.finish();
  if (!st) return st;
  stage("read+clean", t);

  rep.records_cleaned = cleaned.cleaned;
  rep.lake_problems = static_cast<int64_t>(problems.size());
  for (auto& p : problems)
    cleaned.dead.push_back(std::move(p));
  rep.dead_letters = static_cast<int64_t>(cleaned.dead.size());
  rep.pin_rows = static_cast<int64_t>(cleaned.pins.size());
  rep.geo_rows = static_cast<int64_t>(cleaned.geos.size());
  rep.user_rows = static_cast<int64_t>(cleaned.users.size());
  rep.duplicates_dropped = rep.records_cleaned - rep.pin_rows - rep.geo_rows - rep.user_rows;

  // 4. Batch tables and dead letters.
  report_progress("write", 0, 1);
  t = clock_type::now();
  if (auto w = wh.replace_batch_tables(cleaned.pins, cleaned.geos, cleaned.users); !w) return w;
  stage("write batch tables", t);
  t = clock_type::now();
  if (auto w = wh.add_dead_letters(cleaned.dead); !w) return w;
  stage("write dead letters", t);
  report_progress("write", 1, 1);

  // 5. Queries and their outputs.
  t = clock_type::now();
  auto outs = run_all_queries(wh.handle());
  if (!outs) return outs.error();
  stage("queries", t);
  t = clock_type::now();
  const int64_t nq = static_cast<int64_t>(outs->size());
  report_progress("queries", 0, nq);
  for (const auto& out : *outs) {
    if (auto w = write_outputs(wh.handle(), rep.output_dir, out); !w) return w;
    rep.outputs.push_back(out.name);
    report_progress("queries", static_cast<int64_t>(rep.outputs.size()), nq);
  }
  stage("write outputs", t);
  rep.total_seconds = seconds_since(start);
  // 6. report.html: the facts above, the 9 charts and tables, the dead-letter counts.
  auto report_path = write_report_html(wh.handle(), rep, *outs);
  if (!report_path) return report_path.error();
  rep.report_path = *report_path;
  log->info("batch run {}: {} records read, {} cleaned, {} dead letters ({} from the lake), "
            "rows pin/geo/user {}/{}/{}, {} duplicates dropped, {:.2f} s ({:.0f} records/s)",
            rep.run_id, rep.records_read, rep.records_cleaned, rep.dead_letters, rep.lake_problems,
            rep.pin_rows, rep.geo_rows, rep.user_rows, rep.duplicates_dropped, rep.total_seconds,
            rep.records_per_second());
  return rep;
}

} // namespace

double batch_report::records_per_second() const {
  return total_seconds > 0 ? static_cast<double>(records_read) / total_seconds : 0.0;
}

result<batch_report> run_batch(warehouse::warehouse& wh, const batch_options& opt,
                               const progress_fn& progress) {
  if (auto st = check_options(opt); !st) return st;
  try {
    return run(wh, opt, progress);
  } catch (const std::exception& e) { // thread creation, allocation: the one catch site
    return status{errc::internal, std::string("batch run ") + opt.run_id + " failed: " + e.what()};
  }
}

} // namespace pinpipe::batch
