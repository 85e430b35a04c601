// `pinpipe simulate`: the whole pipeline in one process (single-node simulation mode), the
// README's main job. A fixed sequence:
//   1. config + data directory     2. source database (generated if missing)
//   3. the log (recovery runs)     4. the actor graph (gateway, connector, cleaner, sink,
//                                     stream readers, scheduler) + the two emulators
//   5. live counters until the emulators are done and the stream tables caught up
//   6. the lake flushed, one batch run     7. a summary of what happened and where it is
// With --keep-serving the node API (ZeroMQ) is served on [node] listen / --listen from
// step 4 on, and everything keeps running after the summary until Ctrl-C.
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
#include <caf/send.hpp>

#include "actors/broker_actor.hpp"
#include "actors/pipeline_runtime.hpp"
#include "actors/system_setup.hpp"
#include "actors/type_ids.hpp"
#include "common/logging.hpp"
#include "nodes/command.hpp"
#include "nodes/console_start.hpp"
#include "nodes/control_requests.hpp"
#include "actors/request_router.hpp"
#include "nodes/settings_check.hpp"
#include "nodes/summary.hpp"
#include "logclient/local_log_client.hpp"
#include "pipeline/source/source_db.hpp"
#include "transport/server.hpp"

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
  std::string listen; ///< the node API endpoint with --keep-serving (default [node] listen)
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

/// The flags checked (exit code 2 when one is wrong); the rate parsed.
result<double> check_flags(const simulate_flags& f) {
  auto usage = [](const std::string& what) { return status{errc::invalid_argument, what}; };
  if (f.events <= 0)
    return usage("--events must be positive (give the number of events per emulator)");
  double rate = 0;
  try {
    size_t used = 0;
    rate = std::stod(f.rate, &used);
    if (used != f.rate.size()) throw std::invalid_argument("trailing characters");
  } catch (...) {
    return usage("--rate '" + f.rate +
                 "' is not a number (give events per second, 0 = as fast as possible)");
  }
  if (rate < 0) return usage("--rate must be >= 0 (0 means as fast as possible)");
  if (f.transport != "direct" && f.transport != "http")
    return usage("--transport '" + f.transport +
                 "' is unknown (use http, through the gateway, or direct, into the log)");
  return rate;
}

/// The source database (the RDS counterpart), generated when missing.
status prepare_source(const data_paths& paths, const simulate_flags& f, bool tty) {
  if (fs::exists(paths.source)) {
    std::cout << "using existing source database " << paths.source << std::endl;
    return {};
  }
  std::cout << "generating source database " << paths.source << " (" << f.rows
            << " rows per table)" << std::endl;
  source::gen_options g;
  g.path = paths.source;
  g.rows = f.rows;
  g.seed = static_cast<uint64_t>(f.source_seed);
  g.progress = [&](int64_t done, int64_t total) {
    if (tty) std::cout << "\r  " << done << "/" << total << " rows" << std::flush;
  };
  auto st = source::generate(g);
  if (tty) std::cout << std::endl;
  return st;
}

/// The actor graph; a taken gateway port (another pinpipe?) falls back to a free one.
result<std::unique_ptr<actors::pipeline_runtime>>
start_runtime(caf::actor_system& sys, storage::log_store& log, const config::config& cfg,
              const simulate_flags& f) {
  actors::runtime_options ro;
  ro.cfg = cfg;
  ro.data_dir = cfg.node.data_dir;
  ro.gateway_port = f.gateway_port;
  ro.scheduler_automatic = f.keep_serving; // the daily schedule only matters if we stay up
  auto rt = actors::pipeline_runtime::start(sys, log, ro);
  if (!rt && rt.error().code() == errc::io_error && f.gateway_port < 0) {
    std::cout << "note: " << rt.error().message() << "; using a free port instead" << std::endl;
    ro.gateway_port = 0;
    rt = actors::pipeline_runtime::start(sys, log, ro);
  }
  if (rt)
    std::cout << "gateway listening on http://127.0.0.1:" << (*rt)->gateway_port()
              << " (REST Proxy v2 + Kinesis)" << std::endl;
  return rt;
}

/// With --keep-serving: the node API (the log broker over ZeroMQ, as `pinpipe node`
/// serves it) on [node] listen or --listen, so status, topics and consume work against it.
struct node_api {
  actors::broker_actor broker;
  caf::actor router;
  std::unique_ptr<transport::server> server;

  status start(caf::actor_system& sys, std::shared_ptr<storage::log_store> log,
               const config::config& cfg, actors::pipeline_runtime* rt) {
    actors::broker_options bopts;
    bopts.default_partitions = cfg.log.default_partitions;
    broker = actors::spawn_broker(sys, log, bopts);
    auto handler = node::with_control(node::make_request_handler(sys, broker, &router, log), rt);
    transport::server_options sopts;
    sopts.endpoint = cfg.node.listen;
    sopts.curve_secret_key = cfg.node.curve_secret_key;
    sopts.curve_public_key = cfg.node.curve_public_key;
    sopts.spin_us = cfg.node.spin_us;
    server = std::make_unique<transport::server>(sopts, handler);
    if (auto st = server->start(); !st.ok())
      return status{st.code(), st.message() + " (another node on " + cfg.node.listen +
                                   "? give --listen tcp://127.0.0.1:PORT, port 0 = any)"};
    return {};
  }
  void stop() {
    if (server) server->stop();
    if (router) caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    if (broker) caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  }
};

/// Live counters until the emulators are done and everything sent reached the stream
/// tables; false when interrupted.
bool wait_caught_up(actors::pipeline_runtime& runtime, int64_t events, bool tty) {
  auto last_print = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  bool caught_up = false;
  while (!interrupted) {
    auto stats = runtime.stats();
    auto l = runtime.stream_lag();
    int64_t lag = l ? *l : -1;
    bool done = runtime.emulators_finished() && lag == 0;
    auto now = std::chrono::steady_clock::now();
    if (tty) {
      std::cout << "\r\033[K" << progress_line(stats, lag, events) << std::flush;
    } else if (now - last_print > std::chrono::seconds(2) || done) {
      std::cout << progress_line(stats, lag, events) << std::endl;
      last_print = now;
    }
    if (done) {
      caught_up = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (tty) std::cout << std::endl;
  return caught_up;
}

/// One batch run (the daily DAG, triggered by hand) after the lake objects were closed.
void run_batch_once(actors::pipeline_runtime& runtime, simulation_summary& summary) {
  std::cout << "running the batch job (load lake, clean, batch tables, 9 queries)..."
            << std::endl;
  auto run = runtime.trigger_batch_run();
  if (!run)
    summary.batch_error = run.error().to_string();
  else
    summary.run = *run;
}

/// Steps 4-6 inside the actor system: the graph, the emulators, live counters, the batch
/// run and (--keep-serving) serving until Ctrl-C. Returns the exit code.
int run_graph(std::shared_ptr<logclient::local_log_client> client, const config::config& cfg,
              const simulate_flags& f, double rate, simulation_summary& summary) {
  // The engine itself only for what works on it directly, as in a node: the actor graph and
  // the broker behind the node API. It lives as long as the client; the console reads
  // through the client.
  std::shared_ptr<storage::log_store> log(client, &client->engine());
  caf::actor_system_config sys_cfg;
  actors::configure_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto rt = start_runtime(sys, *log, cfg, f);
  if (!rt) return fail(rt.error());
  auto& runtime = **rt;
  node_api api;
  int exit_code = 0;
  std::unique_ptr<console::console_server> web_console;
  if (f.keep_serving) {
    if (auto st = api.start(sys, log, cfg, &runtime); !st.ok()) {
      api.stop();
      runtime.stop();
      return fail(st);
    }
    std::cout << "node API (ZeroMQ) serving on " << api.server->endpoint()
              << " (`pinpipe -b " << api.server->endpoint() << " status`)" << std::endl;
    // The web console ([console] listen; a taken port is a warning, not an error).
    auto console_cfg = cfg; // simulate runs every role
    console_cfg.node.roles = {"broker", "gateway", "emulator", "connector", "cleaner", "sink",
                              "scheduler"};
    auto con = start_console(console_cfg, client, &runtime, api.server->endpoint(),
                             (fs::path(cfg.node.data_dir) / "pinpipe.log").string());
    if (!con)
      std::cout << "warning: no web console: " << con.error().message() << std::endl;
    else if (*con)
      web_console = std::move(*con);
    if (web_console) std::cout << "console on " << web_console->url() << std::endl;
  }
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
    exit_code = fail(st);
  } else {
    bool caught_up = wait_caught_up(runtime, f.events, isatty(STDOUT_FILENO));
    if (caught_up) {
      if (auto objects = runtime.flush_lake(); !objects)
        std::cout << "error: flushing the lake: " << objects.error().to_string() << std::endl;
      if (!f.skip_batch) run_batch_once(runtime, summary);
    }
    summary.final_stats = runtime.stats();
    if (caught_up && f.keep_serving && !interrupted) {
      std::cout << "serving: gateway http://127.0.0.1:" << runtime.gateway_port()
                << ", node API " << api.server->endpoint()
                << (web_console ? ", console " + web_console->url() : std::string())
                << ", daily batch at "
                << cfg.scheduler.schedule << " UTC; Ctrl-C to stop" << std::endl;
      while (!interrupted)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (interrupted)
      std::cout << "interrupted: stopping cleanly (run again to continue)" << std::endl;
    exit_code = (summary.batch_error.empty() && (caught_up || interrupted)) ? 0 : 1;
    if (interrupted) exit_code = 130;
  }
  if (web_console) web_console->stop();
  api.stop();
  runtime.stop();
  sys.await_all_actors_done();
  return exit_code;
}

int run_simulate(const common_options& common, const simulate_flags& f) {
  auto t0 = std::chrono::steady_clock::now();
  // 1. Flags, configuration (checked in full before the data directory is touched).
  auto rate = check_flags(f);
  if (!rate) return fail_usage(rate.error().message());
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  for (auto [key, value] : {std::pair{"data_dir", &f.data_dir}, std::pair{"listen", &f.listen}})
    if (!value->empty())
      if (auto st = config::apply_override(*cfg, "node", key, *value); !st) return fail(st);
  if (auto st = check_pipeline_settings(*cfg); !st) return fail(st);
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
  std::cout << "pinpipe simulate: data directory "
            << fs::absolute(data_dir).lexically_normal().string() << " (logs in " << log_file << ")"
            << std::endl;

  // 2. The source database; 3. the log (MSK / Kinesis counterpart; recovery runs here).
  auto paths = data_paths::of(data_dir, *cfg);
  if (auto st = prepare_source(paths, f, isatty(STDOUT_FILENO)); !st.ok()) return fail(st);
  auto opened = logclient::open_local_log(log_config_of(*cfg, paths.log));
  if (!opened) return fail(opened.error());
  std::shared_ptr<logclient::local_log_client> client = std::move(*opened);

  // 4-6. The actor graph, the run, the batch job.
  simulation_summary summary;
  int exit_code = run_graph(client, *cfg, f, *rate, summary);

  // 7. The summary.
  summary.interrupted = interrupted;
  summary.seconds = seconds_since(t0);
  print_summary(std::cout, *client, *cfg, paths, summary);
  client->engine().close();
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
      {"--keep-serving",
       "serve the node API (ZeroMQ, on [node] listen) during the run and, after the summary, "
       "keep it, the gateway and the daily schedule running until Ctrl-C",
       &f->keep_serving},
      {"--listen", "node API endpoint for --keep-serving (default [node] listen; port 0 = any)",
       &f->listen},
      {"--skip-batch", "do not run the batch job at the end", &f->skip_batch},
  };
  c.run = [common, f] { return run_simulate(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
