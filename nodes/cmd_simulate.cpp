// `pinpipe simulate`: the whole pipeline in one process (single-node simulation mode), the
// README's main job. A fixed sequence:
//   1. config + data directory     2. source database (generated if missing)
//   3. the log (recovery runs)     4. the actor graph (gateway, connector, cleaner, sink,
//                                     stream readers, scheduler) + the two emulators
//   5. live counters until the emulators are done and the stream tables caught up
//   6. the lake flushed, one batch run     7. a summary of what happened and where it is
// Ctrl-C at any point stops cleanly; running again in the same --data-dir continues.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/pipeline_runtime.hpp"
#include "actors/system_setup.hpp"
#include "actors/type_ids.hpp"
#include "common/logging.hpp"
#include "nodes/command.hpp"
#include "nodes/summary.hpp"
#include "pipeline/source/source_db.hpp"
#include "storage/log.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
  interrupted = true;
}

struct simulate_flags {
  std::string data_dir;
  int64_t events = 500;
  std::string rate = "0";
  bool course_timing = false;
  std::string transport = "http";
  int64_t seed = -1;
  int64_t rows = 11153;
  int64_t source_seed = 1;
  int32_t gateway_port = -1;
  bool keep_serving = false;
  bool skip_batch = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// One status line: counters of the emulators and of each stage.
std::string progress_line(const std::vector<actors::actor_stats>& stats, int64_t lag,
                          int64_t events_total) {
  int64_t batch = 0, stream = 0, moved = 0, objects = 0, rows = 0, dead = 0;
  for (const auto& s : stats) {
    if (s.name == "emulator-batch")
      batch = s.items;
    else if (s.name == "emulator-stream")
      stream = s.items;
    else if (s.name == "connector") {
      moved = s.items;
      objects = s.objects;
    } else if (s.name == "sink") {
      rows = s.items;
      dead = s.dead_letters;
    }
  }
  std::ostringstream os;
  os << "events batch " << batch << "/" << events_total << "  stream " << stream << "/"
     << events_total << " | lake records " << moved << " objects " << objects << " | stream rows "
     << rows << " dead " << dead << " lag " << lag;
  return os.str();
}

int run_simulate(const common_options& common, const simulate_flags& f) {
  auto t0 = std::chrono::steady_clock::now();
  // 1. Configuration and the data directory.
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  if (f.events <= 0)
    return fail("--events must be positive", "give the number of events per emulator");
  double rate = 0;
  try {
    rate = std::stod(f.rate);
  } catch (...) {
    return fail("--rate '" + f.rate + "' is not a number",
                "give events per second, 0 = as fast as possible");
  }
  if (rate < 0) return fail("--rate must be >= 0", "0 means as fast as possible");
  if (f.transport != "direct" && f.transport != "http")
    return fail("--transport '" + f.transport + "' is unknown", "use direct or http");
  const std::string data_dir = cfg->node.data_dir;
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec)
    return fail("cannot create data directory " + data_dir + ": " + ec.message(),
                "choose another --data-dir");
  // Logs go to a file so that the terminal shows the progress and the summary only.
  const std::string log_file = (fs::path(data_dir) / "pinpipe.log").string();
  logging::init(cfg->node.log_level, log_file);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const bool tty = isatty(STDOUT_FILENO);
  std::cout << "pinpipe simulate: data directory "
            << fs::absolute(data_dir).lexically_normal().string() << " (logs in " << log_file << ")"
            << std::endl;

  // 2. The source database (the RDS counterpart).
  auto paths = actors::data_paths::of(data_dir, *cfg);
  if (!fs::exists(paths.source)) {
    std::cout << "generating source database " << paths.source << " (" << f.rows
              << " rows per table)" << std::endl;
    source::gen_options g;
    g.path = paths.source;
    g.rows = f.rows;
    g.seed = static_cast<uint64_t>(f.source_seed);
    g.progress = [&](int64_t done, int64_t total) {
      if (tty) std::cout << "\r  " << done << "/" << total << " rows" << std::flush;
    };
    if (auto st = source::generate(g); !st.ok()) return fail(st);
    if (tty) std::cout << std::endl;
  } else {
    std::cout << "using existing source database " << paths.source << std::endl;
  }

  // 3. The log (MSK / Kinesis counterpart); recovery runs while opening.
  storage::log_config lc = actors::log_config_of(*cfg, paths.log);
  auto opened = storage::open_file_log(lc);
  if (!opened) return fail(opened.error());
  std::shared_ptr<storage::log_store> log = std::move(*opened);

  // 4. The actor graph.
  caf::actor_system_config sys_cfg;
  actors::configure_actor_system(sys_cfg);
  int exit_code = 0;
  simulation_summary summary;
  {
    caf::actor_system sys{sys_cfg};
    actors::runtime_options ro;
    ro.cfg = *cfg;
    ro.data_dir = data_dir;
    ro.gateway_port = f.gateway_port;
    ro.scheduler_automatic = f.keep_serving; // the daily schedule only matters if we stay up
    auto rt = actors::pipeline_runtime::start(sys, *log, ro);
    if (!rt && rt.error().code() == errc::io_error && f.gateway_port < 0) {
      // The configured gateway port is taken (another pinpipe?): use a free one.
      std::cout << "note: " << rt.error().message() << "; using a free port instead" << std::endl;
      ro.gateway_port = 0;
      rt = actors::pipeline_runtime::start(sys, *log, ro);
    }
    if (!rt) {
      log->close();
      return fail(rt.error());
    }
    auto& runtime = **rt;
    std::cout << "gateway listening on http://127.0.0.1:" << runtime.gateway_port()
              << " (REST Proxy v2 + Kinesis)" << std::endl;
    actors::emulate_options eo;
    eo.events = f.events;
    eo.rate = rate;
    eo.course_timing = f.course_timing;
    if (f.seed >= 0) eo.seed = static_cast<uint64_t>(f.seed);
    eo.transport = f.transport;
    std::cout << "emulating " << f.events << " events on each path ("
              << (f.course_timing ? "course timing"
                  : rate == 0     ? "as fast as possible"
                                  : f.rate + " events/s")
              << ", transport " << f.transport << ")" << std::endl;
    if (auto st = runtime.start_emulators(eo); !st.ok()) {
      runtime.stop();
      log->close();
      return fail(st);
    }

    // 5. Live counters until everything sent has reached the stream tables.
    auto last_print = std::chrono::steady_clock::now() - std::chrono::seconds(10);
    int64_t lag = 0;
    bool caught_up = false;
    while (!interrupted) {
      auto stats = runtime.stats();
      auto l = runtime.stream_lag();
      lag = l ? *l : -1;
      bool done = runtime.emulators_finished() && lag == 0;
      auto now = std::chrono::steady_clock::now();
      if (tty) {
        std::cout << "\r\033[K" << progress_line(stats, lag, f.events) << std::flush;
      } else if (now - last_print > std::chrono::seconds(2) || done) {
        std::cout << progress_line(stats, lag, f.events) << std::endl;
        last_print = now;
      }
      if (done) {
        caught_up = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (tty) std::cout << std::endl;

    // 6. The lake flushed and one batch run (the daily DAG, triggered by hand).
    if (caught_up) {
      auto objects = runtime.flush_lake();
      if (!objects)
        std::cout << "error: flushing the lake: " << objects.error().to_string() << std::endl;
    }
    if (caught_up && !f.skip_batch) {
      std::cout << "running the batch job (load lake, clean, batch tables, 9 queries)..."
                << std::endl;
      auto run = runtime.trigger_batch_run();
      if (!run)
        summary.batch_error = run.error().to_string();
      else
        summary.run = *run;
    }
    summary.final_stats = runtime.stats();
    if (caught_up && f.keep_serving && !interrupted) {
      std::cout << "serving: gateway http://127.0.0.1:" << runtime.gateway_port()
                << ", daily batch at " << cfg->scheduler.schedule << " UTC; Ctrl-C to stop"
                << std::endl;
      while (!interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (interrupted)
      std::cout << "interrupted: stopping cleanly (run again to continue)" << std::endl;
    runtime.stop();
    exit_code = (summary.batch_error.empty() && (caught_up || interrupted)) ? 0 : 1;
    if (interrupted) exit_code = 130;
  }

  // 7. The summary.
  summary.interrupted = interrupted;
  summary.seconds = seconds_since(t0);
  print_summary(std::cout, *log, *cfg, paths, summary);
  log->close();
  return exit_code;
}

} // namespace

command make_simulate_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<simulate_flags>();
  command c;
  c.name = "simulate";
  c.help = "run the whole pipeline in one process (single-node simulation) and print a summary";
  c.options = {
      {"--data-dir",
       "directory for source.db, log/, lake/, warehouse.db, results/ (default ./data)",
       &f->data_dir},
      {"--events,-n", "events per emulator (batch and stream), default 500", &f->events},
      {"--rate", "events per second per emulator; 0 = as fast as possible (default)", &f->rate},
      {"--course-timing", "sleep 0 or 1 s at random before each event, as the course's scripts",
       &f->course_timing},
      {"--transport",
       "http (default: through the gateway, like the original scripts) or direct (into the log)",
       &f->transport},
      {"--seed", "seed of the emulators (Python-compatible sequence); default random", &f->seed},
      {"--rows", "rows per table when generating the source database (default 11153)", &f->rows},
      {"--source-seed", "seed of the source database generator (default 1)", &f->source_seed},
      {"--gateway-port", "HTTP gateway port (default from config, 8082; 0 = any free port)",
       &f->gateway_port},
      {"--keep-serving", "after the summary, keep the gateway and the daily schedule running",
       &f->keep_serving},
      {"--skip-batch", "do not run the batch job at the end", &f->skip_batch},
  };
  c.run = [common, f] { return run_simulate(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
