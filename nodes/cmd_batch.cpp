// `pinpipe batch run | runs | trigger`: the DAG of PIPELINE §9 by hand.
//   run      runs the batch job now in this process as a manual run of "<uid>_dag":
//            scheduler::trigger_manual, then run_with_retries around batch::run_batch (lake ->
//            clean -> batch tables -> 9 queries -> <data-dir>/results/<run id>/), every attempt
//            recorded in batch_runs; prints the report and the results directory.
//   runs     lists batch_runs as an aligned table.
//   trigger  only queues a manual run; a running node with the scheduler role picks it up
//            within a second (its scheduler runs the oldest queued manual run first).
// runs and trigger ask the running node first (batch_runs / batch_trigger,
// nodes/node_queries.hpp), which answers from its own warehouse; only when no node answers
// for this data directory do they open the warehouse file, through batch::scheduler.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "common/logging.hpp"
#include "common/topic_names.hpp"
#include "messages/control_api.hpp"
#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "nodes/node_queries.hpp"
#include "pipeline/batch/batch_job.hpp"
#include "pipeline/batch/queries.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "pipeline/paths.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

struct batch_flags {
  std::string data_dir;
  int32_t retries = -1; // -1: [scheduler] retries
  bool no_flush = false; // do not ask a running node to close its lake objects first
};

struct batch_context {
  config::config cfg;
  data_paths paths;
};

result<batch_context> context_of(const common_options& common, const batch_flags& f) {
  auto cfg = load_config(common);
  if (!cfg) return cfg.error();
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st) return st;
  logging::init("warn");
  auto paths = data_paths::of(cfg->node.data_dir, *cfg);
  return batch_context{std::move(*cfg), std::move(paths)};
}

/// The DAG's scheduler over the warehouse file, with the config's schedule and retries.
result<std::unique_ptr<batch::scheduler>> open_scheduler(const batch_context& ctx,
                                                         int32_t retries) {
  batch::scheduler_options o;
  o.dag_id = names::dag_id(ctx.cfg.pipeline.user_id);
  o.schedule = ctx.cfg.scheduler.schedule;
  o.retries = retries >= 0 ? retries : ctx.cfg.scheduler.retries;
  o.retry_delay_s = ctx.cfg.scheduler.retry_delay_s;
  auto start = batch::start_date_setting(ctx.cfg.scheduler.start_date);
  if (!start) return start.error();
  o.start_date = *start;
  return batch::scheduler::open(ctx.paths.warehouse, o, batch::system_sched_clock());
}

std::string fixed(double v, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

/// The counts add up as printed: read = cleaned + rejected; cleaned = rows + duplicates;
/// dead letters = rejected + lake problems (lines that never became records).
void print_report(const batch::batch_report& r) {
  const int64_t rejected = r.dead_letters - r.lake_problems;
  std::cout << "  lake objects read   " << r.objects_read << "\n"
            << "  records read        " << r.records_read << " ("
            << fixed(r.records_per_second(), 0) << " records/s)\n"
            << "    cleaned           " << r.records_cleaned << " (rows pin/geo/user " << r.pin_rows
            << "/" << r.geo_rows << "/" << r.user_rows << ", duplicates dropped "
            << r.duplicates_dropped << ")\n"
            << "    rejected          " << rejected << " (the cleaner's dead letters)\n"
            << "  lake problems       " << r.lake_problems
            << " (bad lines or gaps in the lake; dead letters too)\n"
            << "  dead letters        " << r.dead_letters << " (rejected + lake problems, in "
            << "the dead_letters table)\n";
  std::cout << "  stages             ";
  for (const auto& s : r.stages)
    std::cout << " " << s.stage << " " << fixed(s.seconds, 2) << " s;";
  std::cout << " total " << fixed(r.total_seconds, 2) << " s\n";
}

/// Rows of a CSV written by write_outputs (lines minus the header; quoted fields never hold a
/// line break in our outputs, but count only complete lines anyway).
int64_t csv_data_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int64_t lines =
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
  return lines > 0 ? lines - 1 : 0;
}

/// Step 1 of a run: a running node's connector closes its lake objects up to now, so the
/// run includes every record the batch topics hold at this point. No node answering is
/// not an error (the lake is read as it is), but it is said.
void close_lake_objects(const common_options& common, const batch_context& ctx) {
  namespace m = pinpipe::messages;
  auto c = connect_broker(common);
  if (!c) {
    std::cout << "note: not asking a node to close its lake objects: " << c.error().to_string()
              << std::endl;
    return;
  }
  // A quick probe first: the flush itself may take long when the connector is behind.
  if (auto probe = transport::request(**c, m::list_topics_request{}, 2000); !probe) {
    std::cout << "note: no node answered at " << (*c)->endpoint()
              << " within 2 s; reading the lake as it is (records a node's connector has not "
                 "written yet are not included)"
              << std::endl;
    return;
  }
  auto resp = transport::request(**c, m::flush_lake_request{}, 120000);
  if (!resp) {
    std::cout << "warning: the node at " << (*c)->endpoint()
              << " did not close its lake objects: " << resp.error().to_string()
              << "; reading the lake as it is" << std::endl;
    return;
  }
  if (resp->error != errc::ok) {
    std::cout << "note: the node at " << (*c)->endpoint() << " did not close lake objects ("
              << resp->message << "); reading the lake as it is" << std::endl;
    return;
  }
  if (!same_path(resp->lake_dir, ctx.paths.lake)) {
    std::cout << "warning: the node at " << (*c)->endpoint() << " writes the lake "
              << resp->lake_dir << ", but this run reads " << ctx.paths.lake
              << " (pass the node's config with -c, or --data-dir)" << std::endl;
    return;
  }
  std::cout << "the node at " << (*c)->endpoint()
            << " closed its lake objects up to now (connector objects written: "
            << resp->objects_written << ")" << std::endl;
}

int run_batch_now(const common_options& common, const batch_flags& f) {
  auto ctx = context_of(common, f);
  if (!ctx) return fail(ctx.error());
  if (!f.no_flush) close_lake_objects(common, *ctx);
  std::error_code ec;
  if (!fs::is_directory(ctx->paths.lake, ec))
    return fail("no lake at " + ctx->paths.lake,
                "records reach the lake through a node with the connector role, or run "
                "`pinpipe simulate --data-dir " +
                    ctx->paths.root + "`");
  auto sched = open_scheduler(*ctx, f.retries);
  if (!sched) return fail(sched.error());
  auto run = (*sched)->trigger_manual(/*claim=*/true);
  if (!run) return fail(run.error());
  std::cout << "batch run " << run->run_id << " of " << (*sched)->options().dag_id << ": lake "
            << ctx->paths.lake << " -> clean -> batch tables -> 9 queries" << std::endl;

  const bool tty = isatty(STDOUT_FILENO);
  std::optional<batch::batch_report> report;
  auto job = [&](const batch::planned_run& r, int32_t attempt) -> status {
    if (attempt > 1) std::cout << "attempt " << attempt << std::endl;
    auto wh = warehouse::warehouse::open(ctx->paths.warehouse, ctx->cfg.pipeline.user_id);
    if (!wh) return wh.error();
    batch::batch_options b;
    b.lake_dir = ctx->paths.lake;
    b.uid = ctx->cfg.pipeline.user_id;
    b.results_dir = ctx->paths.results;
    b.run_id = r.run_id;
    progress_line progress(std::cout, tty);
    auto rep = batch::run_batch(**wh, b, [&](const batch::batch_progress& p) {
      std::string text = "  " + p.stage + " ";
      text += p.stage == "write" ? "" : std::to_string(p.done) + "/" + std::to_string(p.total);
      progress.update(text);
    });
    if (!rep) {
      progress.finish("  attempt " + std::to_string(attempt) + " failed");
      return rep.error();
    }
    progress.finish("  done");
    report = std::move(*rep);
    return {};
  };
  auto sleep = [](int64_t seconds) {
    std::cout << "retrying in " << seconds << " s" << std::endl;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
  };
  auto state = (*sched)->run_with_retries(*run, job, sleep);
  if (!state) return fail(state.error());
  if (*state != "success" || !report) {
    auto runs = (*sched)->list_runs();
    std::string error = "see `pinpipe batch runs`";
    if (runs)
      for (const auto& r : *runs)
        if (r.run_id == run->run_id && !r.error.empty()) error = r.error;
    return fail("batch run " + run->run_id + " failed: " + error,
                "fix the cause and run `pinpipe batch run` again");
  }
  std::cout << "batch run " << run->run_id << ": success\n";
  print_report(*report);
  if (report->objects_read == 0)
    std::cout
        << "note: the lake has no objects yet. A node's connector writes one every [connector] "
           "flush_size records or rotate_interval_ms after an object's first record; "
           "`pinpipe status` shows the connector's lag\n";
  std::cout << "results in " << report->output_dir
            << "/ (one CSV per query; also warehouse tables in " << ctx->paths.warehouse << ")\n";
  if (!report->report_path.empty())
    std::cout << "report " << report->report_path << " (charts and tables; open it in a browser)\n";
  text_table t;
  t.header = {"QUERY", "ROWS", "FILE"};
  for (const auto& name : batch::query_names()) {
    auto path = (fs::path(report->output_dir) / (name + ".csv")).string();
    t.rows.push_back({name, std::to_string(csv_data_lines(path)), path});
  }
  print_table(std::cout, t, "  ");
  std::cout << "show one with `pinpipe query NAME --data-dir " << ctx->paths.root << "`"
            << std::endl;
  return 0;
}

/// Says why a node that answered did not answer for this data directory (with no node at
/// all, the file is simply the place to look).
template <class T> void say_why_not(const node_answer<T>& a) {
  if (a.answered) std::cout << "note: " << a.why_not << "; using the warehouse file" << std::endl;
}

int list_runs(const common_options& common, const batch_flags& f) {
  auto ctx = context_of(common, f);
  if (!ctx) return fail(ctx.error());
  auto asked = ask_node_about(common, messages::batch_runs_request{}, ctx->paths.warehouse,
                              request_timeout_ms);
  if (asked.value) {
    if (asked.value->runs.empty()) {
      std::cout << "no batch runs yet (`pinpipe batch run` runs one now, `pinpipe batch trigger` "
                   "queues one for the node at "
                << asked.endpoint << ")" << std::endl;
      return 0;
    }
    print_table(std::cout, runs_table(runs_of(*asked.value)));
    std::cout << "(from the node at " << asked.endpoint << ")" << std::endl;
    return 0;
  }
  say_why_not(asked);
  std::error_code ec;
  if (!fs::exists(ctx->paths.warehouse, ec)) {
    std::cout << "no batch runs yet (" << ctx->paths.warehouse
              << " does not exist; `pinpipe batch run` runs one now)" << std::endl;
    return 0;
  }
  auto sched = open_scheduler(*ctx, -1);
  if (!sched) return fail(sched.error());
  auto runs = (*sched)->list_runs();
  if (!runs) return fail(runs.error());
  if (runs->empty()) {
    std::cout << "no batch runs yet (`pinpipe batch run` runs one now)" << std::endl;
    return 0;
  }
  print_table(std::cout, runs_table(*runs));
  return 0;
}

int trigger_run(const common_options& common, const batch_flags& f) {
  auto ctx = context_of(common, f);
  if (!ctx) return fail(ctx.error());
  auto asked = ask_node_about(common, messages::batch_trigger_request{}, ctx->paths.warehouse,
                              request_timeout_ms);
  if (asked.value) {
    std::cout << "queued manual run " << asked.value->run_id << " of "
              << names::dag_id(ctx->cfg.pipeline.user_id) << " on the node at " << asked.endpoint
              << "; its scheduler starts it within a second (follow it with `pinpipe batch "
                 "runs`)"
              << std::endl;
    return 0;
  }
  say_why_not(asked);
  std::error_code ec;
  fs::create_directories(ctx->paths.root, ec);
  if (ec)
    return fail("cannot create data directory " + ctx->paths.root + ": " + ec.message(),
                "choose another --data-dir");
  auto sched = open_scheduler(*ctx, -1);
  if (!sched) return fail(sched.error());
  auto run = (*sched)->trigger_manual();
  if (!run) return fail(run.error());
  std::cout << "queued manual run " << run->run_id << " of " << (*sched)->options().dag_id
            << "; a running node with the scheduler role starts it within a second (follow it "
               "with `pinpipe batch runs`)"
            << std::endl;
  return 0;
}

} // namespace

command make_batch_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<batch_flags>();
  const option data_dir{"--data-dir",
                        "data directory with lake/, warehouse.db, results/ (default: [node] "
                        "data_dir, ./data)",
                        &f->data_dir};
  command run{
      "run",
      "run the batch job now (a manual run of the DAG) and print its report",
      {data_dir,
       {"--retries", "extra attempts after a failure (default [scheduler] retries)", &f->retries},
       {"--no-flush",
        "do not ask the running node (-b / [node] listen) to close its lake objects first",
        &f->no_flush}},
      [common, f] { return run_batch_now(*common, *f); },
      {}};
  command runs{"runs",
               "list the batch runs (batch_runs): id, times, state, attempt, error",
               {data_dir},
               [common, f] { return list_runs(*common, *f); },
               {}};
  command trigger{"trigger",
                  "queue a manual run for a running node's scheduler to pick up",
                  {data_dir},
                  [common, f] { return trigger_run(*common, *f); },
                  {}};
  command c;
  c.name = "batch";
  c.help = "the daily batch job (the Airflow DAG): run now, list runs, trigger";
  c.subcommands = {run, runs, trigger};
  return c;
}

} // namespace pinpipe::cli
