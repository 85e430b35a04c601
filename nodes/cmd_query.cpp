// `pinpipe query NAME [--run RUN_ID] [--data-dir D]` prints one batch query's result as an
// aligned table: <data-dir>/results/<run id>/<NAME>.csv of the latest successful batch run
// (batch_runs, newest end time first), or of the named run. `pinpipe query --list` lists the
// 9 names (docs/queries.md). Reads files only; never runs a batch query.
// `pinpipe query --sql "SELECT ..."` runs one SQL statement on warehouse.db opened read-only
// and prints its rows the same way (table names starting with a digit need double quotes).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <tuple>

#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "pipeline/batch/queries.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "pipeline/paths.hpp"
#include "pipeline/warehouse/inspect.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

struct query_flags {
  std::string name;
  std::string run;
  std::string data_dir;
  bool list = false;
  std::string sql;
};

/// --sql: one statement on the warehouse, read-only (a write is refused by SQLite).
int run_sql(const data_paths& paths, const std::string& sql) {
  std::error_code ec;
  if (!fs::exists(paths.warehouse, ec))
    return fail("no warehouse at " + paths.warehouse,
                "run `pinpipe simulate`, a node with the sink role, or `pinpipe batch run` first");
  auto q = warehouse::query_readonly(paths.warehouse, sql);
  if (!q) {
    if (q.error().code() == errc::invalid_argument)
      return fail_usage("--sql: " + q.error().message() +
                        " (quote table names that start with a digit: \"0a60b9a8a831_pin_table\"; "
                        "docs/warehouse.md lists the tables)");
    if (q.error().code() == errc::io_error && q.error().message().rfind("cannot open", 0) == 0)
      return fail(q.error().message(), "check the path and permissions");
    return fail("--sql: " + q.error().message(),
                "the warehouse is opened read-only; use SELECT statements");
  }
  text_table t;
  t.header = std::move(q->header);
  t.rows = std::move(q->rows);
  std::cout << t.rows.size() << (t.rows.size() == 1 ? " row" : " rows") << " from "
            << paths.warehouse << "\n";
  print_table(std::cout, t);
  std::cout.flush();
  return 0;
}

/// Parses RFC 4180 CSV (quoted fields may hold commas, doubled quotes and line breaks).
result<std::vector<std::vector<std::string>>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else if (c != '\r') {
      field += c;
      any = true;
    }
  }
  if (quoted) return status{errc::corrupt_data, "a quoted field is not closed"};
  if (any || !field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

bool safe_run_id(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos;
}

/// The latest successful run whose CSV for `name` exists; empty when there is none.
result<std::string> latest_success(const data_paths& paths, const config::config& cfg,
                                   const std::string& name) {
  std::error_code ec;
  if (!fs::exists(paths.warehouse, ec)) return std::string{};
  batch::scheduler_options o;
  o.dag_id = cfg.pipeline.user_id + "_dag";
  auto sched = batch::scheduler::open(paths.warehouse, o, batch::system_sched_clock());
  if (!sched) return sched.error();
  auto runs = (*sched)->list_runs();
  if (!runs) return runs.error();
  std::vector<batch::run_record> ok;
  for (const auto& r : *runs)
    if (r.state == "success") ok.push_back(r);
  // Newest end first; within the same second the later scheduled time (a manual run beats a
  // scheduled run that happened to finish in that second).
  std::sort(ok.begin(), ok.end(), [](const batch::run_record& a, const batch::run_record& b) {
    return std::tie(a.end_time, a.scheduled_time, a.run_id) >
           std::tie(b.end_time, b.scheduled_time, b.run_id);
  });
  for (const auto& r : ok)
    if (safe_run_id(r.run_id) &&
        fs::exists(fs::path(paths.results) / r.run_id / (name + ".csv"), ec))
      return r.run_id;
  return std::string{};
}

int list_queries() {
  for (const auto& n : batch::query_names())
    std::cout << n << "\n";
  std::cout.flush();
  return 0;
}

int run_query_command(const common_options& common, const query_flags& f) {
  if (f.list) return list_queries();
  if (!f.sql.empty() && !f.name.empty())
    return fail_usage("give a query NAME or --sql, not both");
  if (f.name.empty() && f.sql.empty())
    return fail_usage("no query name given (`pinpipe query --list` shows the 9 names; --sql "
                      "runs your own SELECT on the warehouse)");
  if (!f.sql.empty()) {
    auto cfg = load_config(common);
    if (!cfg) return fail(cfg.error());
    if (!f.data_dir.empty())
      if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
        return fail(st);
    return run_sql(data_paths::of(cfg->node.data_dir, *cfg), f.sql);
  }
  const auto& names = batch::query_names();
  if (std::find(names.begin(), names.end(), f.name) == names.end())
    return fail("unknown query '" + f.name + "'", "`pinpipe query --list` shows the 9 names");
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  const auto paths = data_paths::of(cfg->node.data_dir, *cfg);

  std::string run_id = f.run;
  if (!run_id.empty() && !safe_run_id(run_id))
    return fail("--run '" + run_id + "' is not a run id",
                "give an id from `pinpipe batch runs`, e.g. manual__2026-01-01T00:00:00");
  if (run_id.empty()) {
    auto latest = latest_success(paths, *cfg, f.name);
    if (!latest) return fail(latest.error());
    if (latest->empty())
      return fail("no successful batch run with results in " + paths.results,
                  "run `pinpipe batch run --data-dir " + paths.root + "` first");
    run_id = *latest;
  }
  const auto path = (fs::path(paths.results) / run_id / (f.name + ".csv")).string();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail("run " + run_id + " has no result " + path,
                "`pinpipe batch runs --data-dir " + paths.root + "` lists the runs");
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_csv(text.str());
  if (!rows) return fail(path + ": " + rows.error().message(), "run the batch job again");
  if (rows->empty()) return fail(path + " is empty", "run the batch job again");

  text_table t;
  t.header = rows->front();
  t.rows.assign(rows->begin() + 1, rows->end());
  std::cout << f.name << " (run " << run_id << ", " << t.rows.size()
            << (t.rows.size() == 1 ? " row, " : " rows, ") << path << ")\n";
  print_table(std::cout, t);
  std::cout.flush();
  return 0;
}

} // namespace

command make_query_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<query_flags>();
  command c;
  c.name = "query";
  c.help = "print a batch query's result (latest successful run, or --run) as a table";
  c.options = {
      {"name", "query name (see --list)", &f->name},
      {"--run", "run id (default: the latest successful run)", &f->run},
      {"--data-dir", "data directory with results/ and warehouse.db (default ./data)",
       &f->data_dir},
      {"--list", "list the 9 query names", &f->list},
      {"--sql",
       "run one SELECT on warehouse.db (read-only) instead; quote names that start with a "
       "digit: \"0a60b9a8a831_pin_table\"",
       &f->sql},
  };
  c.run = [common, f] { return run_query_command(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
