#include "actors/pipeline_runtime.hpp"

#include <chrono>
#include <filesystem>

#include <caf/blocking_actor.hpp>

#include "actors/batch_job_runner.hpp"
#include "actors/cleaner_actor.hpp"
#include "actors/connector_actor.hpp"
#include "actors/emulator_actor.hpp"
#include "actors/errors.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/scheduler_actor.hpp"
#include "actors/sink_actor.hpp"
#include "actors/stream_reader_actor.hpp"
#include "common/logging.hpp"
#include "common/topic_names.hpp"
#include "logclient/local_log_client.hpp"
#include "pipeline/emulator/http_sender.hpp"
#include "pipeline/emulator/log_sender.hpp"
#include "pipeline/warehouse/inspect.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace fs = std::filesystem;

namespace pinpipe::actors {

struct pipeline_runtime::impl {
  storage::log_store& log;
  logclient::local_log_client client; // how the pipeline actors reach the log
  runtime_options opt;
  data_paths paths;
  caf::actor_system* sys;
  std::vector<caf::actor> stat_actors; // everything that answers stats_atom
  caf::actor connector, scheduler, gateway;
  batch::scheduler_options schedule; // the scheduler's, when it runs
  std::vector<caf::actor> emulators;
  cleaner_actor cleaner;
  sink_actor sink;
  int gateway_port = -1;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> logger = logging::get("node");

  impl(caf::actor_system& s, storage::log_store& l, runtime_options o)
      : log(l), client(l), opt(std::move(o)), sys(&s) {
    paths = data_paths::of(opt.data_dir, opt.cfg);
  }

  status start();
};

namespace {

result<int> parse_port(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return status{errc::invalid_config,
                  "[gateway] listen: expected HOST:PORT, got '" + listen + "'"};
  try {
    return std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return status{errc::invalid_config, "[gateway] listen: bad port in '" + listen + "'"};
  }
}

std::string stream_name(const std::string& uid, const char* t) {
  return names::stream_name(uid, t);
}

} // namespace

status pipeline_runtime::impl::start() {
  const auto& cfg = opt.cfg;
  const auto& uid = cfg.pipeline.user_id;
  std::error_code ec;
  fs::create_directories(paths.lake, ec);
  fs::create_directories(paths.results, ec);
  fs::create_directories(paths.manifests, ec);
  if (ec)
    return status{errc::io_error,
                  "cannot create directories under " + paths.root + ": " + ec.message()};
  if (auto st = ensure_default_topics(client, cfg); !st.ok()) return st;

  if (opt.gateway) {
    gateway::gateway_options g;
    auto colon = cfg.gateway.listen.rfind(':');
    g.host = cfg.gateway.listen.substr(0, colon);
    if (opt.gateway_port >= 0) {
      g.port = opt.gateway_port;
    } else {
      auto port = parse_port(cfg.gateway.listen);
      if (!port) return port.error();
      g.port = *port;
    }
    g.api_keys = cfg.gateway.api_keys;
    g.max_record_bytes = cfg.gateway.max_record_bytes;
    g.max_request_bytes = cfg.gateway.max_request_bytes;
    g.max_header_bytes = cfg.gateway.max_header_bytes;
    g.header_timeout_ms = cfg.gateway.header_timeout_ms;
    g.max_buffered_body_bytes = cfg.gateway.max_buffered_body_bytes;
    g.threads = static_cast<int>(cfg.gateway.threads); // validated: 1..1024
    g.max_json_depth = static_cast<int>(cfg.gateway.max_json_depth); // validated: 1..10000
    g.max_consumer_instances = cfg.gateway.max_consumer_instances;
    g.idempotency_window_ms = cfg.gateway.idempotency_window_s * 1000;
    g.idempotency_keys_per_topic = cfg.gateway.idempotency_keys_per_topic;
    g.default_shards = cfg.pipeline.stream_shards;
    auto gw = spawn_gateway(*sys, log, g);
    if (!gw) return gw.error();
    gateway = gw->first;
    gateway_port = gw->second;
    stat_actors.push_back(gateway);
  }
  if (opt.connector) {
    connector_options c;
    c.uid = uid;
    c.writer.lake_dir = paths.lake;
    c.writer.flush_size = static_cast<int32_t>(cfg.connector.flush_size);
    c.writer.rotate_interval_ms = cfg.connector.rotate_interval_ms;
    connector = spawn_connector(*sys, client, c);
    stat_actors.push_back(connector);
  }
  if (opt.streams) {
    auto wh = warehouse::warehouse::open(paths.warehouse, uid);
    if (!wh) return wh.error();
    sink = spawn_sink(*sys, std::shared_ptr<warehouse::warehouse>(std::move(*wh)));
    stat_actors.push_back(caf::actor_cast<caf::actor>(sink));
    cleaner = spawn_cleaner(*sys);
    for (const char* t : {"pin", "geo", "user"}) {
      stream_reader_options r;
      r.stream = stream_name(uid, t);
      stat_actors.push_back(spawn_stream_reader(*sys, client, r, cleaner, sink));
    }
  }
  if (opt.scheduler) {
    scheduler_actor_options s;
    s.warehouse_path = paths.warehouse;
    s.schedule.dag_id = names::dag_id(uid);
    s.schedule.schedule = cfg.scheduler.schedule;
    s.schedule.retries = cfg.scheduler.retries;
    s.schedule.retry_delay_s = cfg.scheduler.retry_delay_s;
    auto start = batch::start_date_setting(cfg.scheduler.start_date);
    if (!start) return start.error();
    s.schedule.start_date = *start;
    s.automatic = opt.scheduler_automatic;
    schedule = s.schedule;
    batch_job_options job;
    job.lake_dir = paths.lake;
    job.results_dir = paths.results;
    job.warehouse_path = paths.warehouse;
    job.uid = uid;
    auto sch = spawn_scheduler(*sys, s, make_batch_job(*sys, connector, std::move(job)));
    if (!sch) return sch.error();
    scheduler = *sch;
  }
  return {};
}

pipeline_runtime::pipeline_runtime(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

pipeline_runtime::~pipeline_runtime() {
  stop();
}

result<std::unique_ptr<pipeline_runtime>>
pipeline_runtime::start(caf::actor_system& sys, storage::log_store& log, runtime_options opt) {
  auto p = std::make_unique<impl>(sys, log, std::move(opt));
  std::unique_ptr<pipeline_runtime> rt{new pipeline_runtime(std::move(p))};
  if (auto st = rt->impl_->start(); !st.ok()) {
    rt->stop();
    return st;
  }
  return rt;
}

status pipeline_runtime::start_emulators(const emulate_options& e) {
  auto& im = *impl_;
  const auto& uid = im.opt.cfg.pipeline.user_id;
  for (int i = 0; i < 2; ++i) {
    bool batch_mode = i == 0;
    if (batch_mode ? !e.batch : !e.stream) continue;
    emulator_actor_options o;
    o.name = batch_mode ? "emulator-batch" : "emulator-stream";
    o.source_path = im.paths.source;
    o.emu.uid = uid;
    o.emu.m = batch_mode ? emulator::mode::batch : emulator::mode::stream;
    o.emu.events = e.events;
    o.emu.rate = e.rate;
    o.emu.course_timing = e.course_timing;
    if (e.seed) o.emu.seed = *e.seed + (batch_mode ? 0 : 1);
    o.emu.key_min = im.opt.cfg.emulator.key_min;
    o.emu.key_max = im.opt.cfg.emulator.key_max;
    o.emu.manifest_path =
        (fs::path(im.paths.manifests) / (batch_mode ? "batch.csv" : "stream.csv")).string();
    std::shared_ptr<emulator::event_sender> sender;
    if (e.transport == "http") {
      if (im.gateway_port < 0)
        return status{errc::invalid_argument, "--transport http needs the gateway role"};
      emulator::http_sender::options h;
      h.base_url = "http://127.0.0.1:" + std::to_string(im.gateway_port);
      if (!im.opt.cfg.gateway.api_keys.empty()) h.api_key = im.opt.cfg.gateway.api_keys.front();
      auto s = emulator::http_sender::create(h);
      if (!s) return s.error();
      sender = std::move(*s);
    } else if (e.transport == "direct") {
      sender = std::make_shared<emulator::log_sender>(im.client);
    } else {
      return status{errc::invalid_argument,
                    "unknown transport '" + e.transport + "' (use direct or http)"};
    }
    auto a = spawn_emulator(*im.sys, o, sender);
    if (!a) return a.error();
    im.emulators.push_back(*a);
    im.stat_actors.push_back(*a);
  }
  return {};
}

std::vector<actor_stats> pipeline_runtime::stats() {
  std::vector<actor_stats> out;
  caf::scoped_actor self{*impl_->sys};
  for (auto& a : impl_->stat_actors) {
    self->request(a, std::chrono::seconds(5), stats_atom::value)
        .receive([&](actor_stats& s) { out.push_back(std::move(s)); },
                 [&](caf::error& err) {
                   actor_stats s;
                   s.name = "actor";
                   s.errors = 1;
                   s.last_error = impl_->sys->render(err);
                   out.push_back(std::move(s));
                 });
  }
  return out;
}

bool pipeline_runtime::emulators_finished() {
  caf::scoped_actor self{*impl_->sys};
  bool all = true;
  for (auto& a : impl_->emulators) {
    self->request(a, std::chrono::seconds(5), stats_atom::value)
        .receive([&](actor_stats& s) { all = all && s.finished; },
                 [&](caf::error&) { all = false; });
  }
  return all;
}

result<int64_t> pipeline_runtime::stream_lag() {
  auto& im = *impl_;
  if (!im.sink) return status{errc::unavailable, "the stream roles are not running"};
  caf::scoped_actor self{*im.sys};
  int64_t lag = 0;
  for (const char* t : {"pin", "geo", "user"}) {
    auto name = stream_name(im.opt.cfg.pipeline.user_id, t);
    auto info = im.log.describe_topic(name);
    if (!info) return info.error();
    for (const auto& p : info->partitions) {
      status err;
      self->request(im.sink, std::chrono::seconds(10), position_atom::value, name, p.id.get())
          .receive([&](int64_t pos) { lag += p.high_watermark.get() - pos; },
                   [&](caf::error& e) {
                     err = from_caf_error(e, "asking the sink for " + name);
                   });
      if (!err.ok()) return err;
    }
  }
  return lag;
}

result<int64_t> pipeline_runtime::flush_lake() {
  if (!impl_->connector) return status{errc::unavailable, "the connector role is not running"};
  caf::scoped_actor self{*impl_->sys};
  result<int64_t> out{errc::timeout, "the connector did not answer within 120 s"};
  self->request(impl_->connector, std::chrono::seconds(120), flush_atom::value)
      .receive([&](int64_t objects) { out = objects; },
               [&](caf::error& err) {
                 out = from_caf_error(err);
               });
  return out;
}

void pipeline_runtime::flush_lake_async(std::function<void(result<int64_t>)> done) {
  if (!impl_->connector) {
    done(status{errc::unavailable, "this node does not run the connector role, so it has no "
                                   "lake objects to close; ask the node that runs it"});
    return;
  }
  auto* sys = impl_->sys;
  sys->spawn([conn = impl_->connector, done = std::move(done), sys](caf::event_based_actor* self) {
    self->request(conn, std::chrono::seconds(120), flush_atom::value)
        .then([done](int64_t objects) { done(objects); },
              [done, sys](caf::error& err) {
                done(status{errc::internal, "the connector could not close its lake objects: " +
                                                sys->render(err)});
              });
  });
}

result<run_outcome> pipeline_runtime::trigger_batch_run() {
  if (!impl_->scheduler) return status{errc::unavailable, "the scheduler role is not running"};
  caf::scoped_actor self{*impl_->sys};
  result<run_outcome> out{errc::timeout, "the batch run did not finish within 1 hour"};
  self->request(impl_->scheduler, std::chrono::seconds(3600), trigger_atom::value)
      .receive([&](run_outcome& r) { out = std::move(r); },
               [&](caf::error& err) {
                 out = from_caf_error(err);
               });
  return out;
}

result<std::vector<batch::run_record>> pipeline_runtime::runs() {
  if (!impl_->scheduler) return status{errc::unavailable, "the scheduler role is not running"};
  caf::scoped_actor self{*impl_->sys};
  result<std::vector<batch::run_record>> out{errc::timeout, "the scheduler did not answer"};
  self->request(impl_->scheduler, std::chrono::seconds(30), runs_atom::value)
      .receive([&](std::vector<batch::run_record>& r) { out = std::move(r); },
               [&](caf::error& err) {
                 out = from_caf_error(err);
               });
  return out;
}

namespace {

/// Runs `work` on a blocking actor (a thread of its own that the actor system waits for).
void run_on_own_thread(caf::actor_system& sys, std::function<void()> work) {
  sys.spawn([work = std::move(work)](caf::blocking_actor*) { work(); });
}

} // namespace

void pipeline_runtime::runs_async(
    std::function<void(result<std::vector<batch::run_record>>)> done) {
  if (!impl_->scheduler) {
    done(status{errc::unavailable, "this node does not run the scheduler role"});
    return;
  }
  run_on_own_thread(*impl_->sys, [path = impl_->paths.warehouse, dag = impl_->schedule.dag_id,
                                  done = std::move(done)] {
    done(batch::read_run_history(path, dag));
  });
}

void pipeline_runtime::queue_run_async(std::function<void(result<batch::planned_run>)> done) {
  if (!impl_->scheduler) {
    done(status{errc::unavailable, "this node does not run the scheduler role"});
    return;
  }
  // A connection of its own: the scheduler actor's is busy while a run runs, and its next
  // tick picks the queued run up from the file.
  run_on_own_thread(*impl_->sys, [path = impl_->paths.warehouse, opt = impl_->schedule,
                                  done = std::move(done)] {
    auto sched = batch::scheduler::open(path, opt, batch::system_sched_clock());
    if (!sched) return done(sched.error());
    done((*sched)->trigger_manual());
  });
}

void pipeline_runtime::warehouse_async(std::function<void(result<warehouse_view>)> done) {
  run_on_own_thread(*impl_->sys, [path = impl_->paths.warehouse,
                                  uid = impl_->opt.cfg.pipeline.user_id, done = std::move(done)] {
    warehouse_view v;
    std::error_code ec;
    v.exists = fs::exists(path, ec);
    if (!v.exists) return done(v);
    auto counts = warehouse::table_counts(path, warehouse::reported_tables(uid));
    if (!counts) return done(counts.error());
    v.tables = std::move(*counts);
    auto pos = warehouse::stream_positions(path);
    if (!pos) return done(pos.error());
    v.positions = std::move(*pos);
    done(std::move(v));
  });
}

int pipeline_runtime::gateway_port() const {
  return impl_->gateway_port;
}

const data_paths& pipeline_runtime::paths() const {
  return impl_->paths;
}

void pipeline_runtime::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  auto kill = [](const caf::actor& a) {
    if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  // Producers first, then the graph downstream of the log.
  for (auto& a : impl_->emulators)
    kill(a);
  for (auto& a : impl_->stat_actors)
    kill(a);
  kill(impl_->scheduler);
  if (impl_->cleaner) caf::anon_send_exit(impl_->cleaner, caf::exit_reason::user_shutdown);
  if (impl_->sink) caf::anon_send_exit(impl_->sink, caf::exit_reason::user_shutdown);
  // Wait until each has terminated, so the warehouse and the lake are closed on return.
  caf::scoped_actor self{*impl_->sys};
  auto wait = [&](const caf::actor& a) {
    if (!a) return;
    self->monitor(a);
    self->receive(
        [](const caf::down_msg&) {},
        caf::after(std::chrono::seconds(30)) >>
            [&] { impl_->logger->warn("an actor did not stop within 30 s; continuing shutdown"); });
  };
  for (auto& a : impl_->stat_actors)
    wait(a);
  wait(impl_->scheduler);
  wait(caf::actor_cast<caf::actor>(impl_->cleaner));
  wait(caf::actor_cast<caf::actor>(impl_->sink));
}

} // namespace pinpipe::actors
