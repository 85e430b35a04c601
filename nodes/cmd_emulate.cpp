// `pinpipe emulate --mode batch|stream ...`: one user-posting emulator (the course's
// user_posting_emulation.py / user_posting_emulation_streaming.py) against a RUNNING node:
//   --transport http    POSTs / PUTs to the node's gateway like the course scripts
//                       (emulator/http_sender.hpp; the node needs the gateway role),
//   --transport direct  produce requests over ZeroMQ to the node's broker
//                       (pipeline/emulator/broker_sender.hpp; works with the broker role alone).
// Source rows come from <data-dir>/source.db; every acknowledged record is appended to
// <data-dir>/manifests/<mode>.csv (emulator/manifest.hpp). Events are sent by
// emulator::paced_runner: as many in flight as --rate needs (per-key order kept), a failed
// send retried a few times with growing pauses; the live line and the summary show the
// achieved rate beside the target. Ctrl-C stops after the events in flight.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <pthread.h>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "common/logging.hpp"
#include "pipeline/emulator/broker_sender.hpp"
#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "pipeline/emulator/emulator.hpp"
#include "pipeline/emulator/paced_runner.hpp"
#include "pipeline/emulator/http_sender.hpp"
#include "pipeline/paths.hpp"

namespace fs = std::filesystem;

namespace pinpipe::cli {
namespace {

std::atomic<bool> interrupted{false};

/// SIGINT/SIGTERM without EINTR: the signals are blocked in every thread (ZeroMQ's and
/// httplib's sockets would otherwise fail the request in flight, losing its acknowledgement)
/// and a waiter thread takes them with sigwait() and sets `interrupted`; the emulator then
/// stops after the event in flight, so the manifest ends on a whole event.
class signal_waiter {
public:
  signal_waiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (!finished_) interrupted = true;
    });
  }
  ~signal_waiter() {
    finished_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM); // wakes sigwait (no-op if it returned)
    thread_.join();
  }

private:
  sigset_t set_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

constexpr int preflight_timeout_ms = 3000;

struct emulate_flags {
  std::string mode;
  int64_t events = -2; // -2: from the config ([emulator] events, 0 = until stopped)
  std::string rate;    // empty: from the config ([emulator] rate)
  bool course_timing = false;
  int64_t seed = -1; // -1: from the config ([emulator] seed)
  std::string transport = "http";
  std::string url;     // empty: http://<[gateway] listen>
  std::string api_key; // empty: the config's first [gateway] api_keys entry
  std::string data_dir;
  int64_t key_min = -1, key_max = -1; // -1: from the config
  int32_t in_flight = -1;             // -1: from the rate (emulator::in_flight_for_rate)
};

/// "0.0.0.0:8082" -> "http://127.0.0.1:8082".
std::string default_url(const config::config& cfg) {
  std::string listen = cfg.gateway.listen;
  for (const std::string any : {"0.0.0.0", "*"})
    if (listen.rfind(any + ":", 0) == 0) listen = "127.0.0.1" + listen.substr(any.size());
  return "http://" + listen;
}

/// One sender per in-flight worker: an HTTP client, or a ZeroMQ client of the broker (a
/// client belongs to one thread). The node is asked once first, so a missing node fails
/// fast instead of as timeouts, one per retry.
result<emulator::sender_factory> make_senders(const common_options& common,
                                              const config::config& cfg,
                                              const emulate_flags& f) {
  if (f.transport == "http") {
    emulator::http_sender::options h;
    h.base_url = f.url.empty() ? default_url(cfg) : f.url;
    h.api_key = f.api_key;
    if (h.api_key.empty() && !cfg.gateway.api_keys.empty()) h.api_key = cfg.gateway.api_keys[0];
    if (auto probe = emulator::http_sender::create(h); !probe) return probe.error();
    return emulator::sender_factory{[h]() -> result<std::unique_ptr<emulator::event_sender>> {
      auto s = emulator::http_sender::create(h);
      if (!s) return s.error();
      return std::unique_ptr<emulator::event_sender>(std::move(*s));
    }};
  }
  auto c = connect_broker(common);
  if (!c) return c.error();
  auto ping = transport::request(**c, messages::list_topics_request{}, preflight_timeout_ms);
  if (!ping)
    return status{errc::unavailable, "the node at " + (*c)->endpoint() + " does not answer (" +
                                         ping.error().message() +
                                         "); start it with `pinpipe node` or give --broker"};
  return emulator::sender_factory{
      [common]() -> result<std::unique_ptr<emulator::event_sender>> {
        auto client = connect_broker(common);
        if (!client) return client.error();
        emulator::broker_sender::options o;
        o.timeout_ms = request_timeout_ms;
        return std::unique_ptr<emulator::event_sender>(
            std::make_unique<emulator::broker_sender>(std::move(*client), o));
      }};
}

/// 2.5 -> "2.5", 20 -> "20"; rates with one decimal.
std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
std::string rate_text(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(v < 10 ? 1 : 0) << v;
  return os.str();
}

std::string progress_text(const emulator::runner_stats& s, int64_t total) {
  std::string out = "  events " + std::to_string(s.events_sent) +
                    (total > 0 ? "/" + std::to_string(total) : "") + "  records " +
                    std::to_string(s.records_sent) + "  " + rate_text(s.achieved_rate()) +
                    " events/s";
  if (s.target_rate > 0) out += " (target " + number_text(s.target_rate) + ")";
  return out + "  send errors " + std::to_string(s.send_errors);
}

/// The flags checked and turned into emulator options; exit code 2 (usage) when wrong.
struct emulate_plan {
  emulator::emulator_options eo;
  int64_t events = 0;
  int32_t in_flight = 1;
  bool random_seed = false; ///< drawn here: printed with how to repeat the run
};

result<emulate_plan> plan_of(const config::config& cfg, const emulate_flags& f) {
  auto usage = [](const std::string& what, const std::string& fix) {
    return status{errc::invalid_argument, what + " (" + fix + ")"};
  };
  if (f.mode != "batch" && f.mode != "stream")
    return usage("--mode '" + f.mode + "' is unknown",
                 "use --mode batch (Kafka topics) or --mode stream (Kinesis streams)");
  if (f.transport != "http" && f.transport != "direct")
    return usage("--transport '" + f.transport + "' is unknown",
                 "use http (through the gateway) or direct (to the broker over ZeroMQ)");
  if (!f.rate.empty() && f.course_timing)
    return usage("--rate and --course-timing both given", "choose one way of pacing events");
  emulate_plan p;
  double rate = cfg.emulator.rate;
  if (!f.rate.empty()) {
    try {
      size_t used = 0;
      rate = std::stod(f.rate, &used);
      if (used != f.rate.size()) throw std::invalid_argument("trailing characters");
    } catch (...) {
      return usage("--rate '" + f.rate + "' is not a number",
                   "give events per second, 0 = as fast as possible");
    }
  }
  if (rate < 0) return usage("--rate must be >= 0", "0 means as fast as possible");
  p.events = f.events == -2 ? cfg.emulator.events : f.events;
  if (p.events < 0) return usage("--events must be >= 0", "give a count, 0 = until Ctrl-C");
  p.in_flight = f.in_flight > 0 ? f.in_flight : emulator::in_flight_for_rate(f.course_timing ? 0 : rate);
  if (f.in_flight == 0 || f.in_flight > emulator::max_in_flight)
    return usage("--in-flight " + std::to_string(f.in_flight) + " is out of range",
                 "give 1.." + std::to_string(emulator::max_in_flight));
  auto& eo = p.eo;
  eo.uid = cfg.pipeline.user_id;
  eo.m = f.mode == "batch" ? emulator::mode::batch : emulator::mode::stream;
  eo.events = p.events == 0 ? -1 : p.events;
  eo.rate = rate;
  eo.course_timing = f.course_timing;
  // --seed, else the config's seed, else (0) a fresh random one, small enough to retype
  // as --seed (which takes 0..2^63-1): printed.
  if (f.seed >= 0) {
    eo.seed = static_cast<uint64_t>(f.seed);
  } else if (cfg.emulator.seed != 0) {
    eo.seed = cfg.emulator.seed;
  } else {
    eo.seed = std::random_device{}();
    p.random_seed = true;
  }
  eo.key_min = f.key_min >= 0 ? f.key_min : cfg.emulator.key_min;
  eo.key_max = f.key_max >= 0 ? f.key_max : cfg.emulator.key_max;
  if (eo.key_min > eo.key_max)
    return usage("--key-min " + std::to_string(eo.key_min) + " is above --key-max " +
                     std::to_string(eo.key_max),
                 "give a range with key-min <= key-max");
  return p;
}

void print_start(const config::config& cfg, const common_options& common, const emulate_flags& f,
                 const emulate_plan& p, const emulator::runner_stats& s) {
  const auto& eo = p.eo;
  const std::string target = f.transport == "http"
                                 ? (f.url.empty() ? default_url(cfg) : f.url)
                                 : (common.broker.empty() ? cfg.node.listen : common.broker);
  std::cout << "emulating "
            << (p.events == 0 ? std::string("unlimited") : std::to_string(p.events)) << " "
            << f.mode << " events to "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::pin) << ", "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::geo) << ", "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::user) << " via "
            << f.transport << " " << target << " ("
            << (f.course_timing ? std::string("course timing")
                : eo.rate > 0   ? number_text(eo.rate) + " events/s, up to " +
                                    std::to_string(p.in_flight) + " in flight"
                                : std::string("as fast as possible"))
            << ", keys " << eo.key_min << ".." << eo.key_max << ", seed " << s.seed
            << (p.random_seed ? " (random; repeat the run with --seed " + std::to_string(s.seed) + ")"
                              : "")
            << ")" << std::endl;
  std::cout << "manifest: " << eo.manifest_path << " (Ctrl-C stops cleanly)" << std::endl;
}

int run_emulate(const common_options& common, const emulate_flags& f) {
  // 1. Configuration and the flags.
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  auto plan = plan_of(*cfg, f);
  if (!plan) return fail_usage(plan.error().message());
  auto& eo = plan->eo;

  // 2. The source database and the manifest.
  const auto paths = data_paths::of(cfg->node.data_dir, *cfg);
  std::error_code ec;
  if (!fs::exists(paths.source, ec))
    return fail("source database " + paths.source + " not found",
                "run `pinpipe gen-source --data-dir " + paths.root + "` first");
  auto db = source::source_db::open(paths.source);
  if (!db) return fail(db.error());
  if (eo.key_max >= (*db)->row_count())
    return fail("--key-max " + std::to_string(eo.key_max) + " is beyond the last key " +
                    std::to_string((*db)->row_count() - 1) + " of " + paths.source,
                "lower --key-max ([emulator] key_max) or run `pinpipe gen-source --force` with "
                "more --rows");
  fs::create_directories(paths.manifests, ec);
  if (ec)
    return fail("cannot create " + paths.manifests + ": " + ec.message(),
                "check the permissions of the data directory");
  eo.manifest_path = (fs::path(paths.manifests) / (f.mode + ".csv")).string();
  logging::init("warn"); // the terminal shows progress; warnings and errors only

  // 3. The senders and the runner (signals are taken by a waiter thread from here on,
  //    before any socket exists).
  signal_waiter signals;
  auto senders = make_senders(common, *cfg, f);
  if (!senders) return fail(senders.error());
  auto runner = emulator::paced_runner::create(**db, *senders, eo, plan->in_flight);
  if (!runner) return fail(runner.error());
  print_start(*cfg, common, f, *plan, (*runner)->stats());

  // 4. Send until done or interrupted (failed sends are retried by the runner).
  progress_line progress(std::cout, isatty(STDOUT_FILENO));
  auto st = (*runner)->run(interrupted, [&](const emulator::runner_stats& s) {
    progress.update(progress_text(s, plan->events));
  });
  const auto s = (*runner)->stats();
  progress.finish(progress_text(s, plan->events));
  if (!st.ok() && !interrupted)
    return fail("emulate stopped: " + st.to_string() + " (" + std::to_string(s.events_sent) +
                    " events sent and acknowledged before)",
                f.transport == "http" ? "is a node with the gateway role listening at " +
                                            (f.url.empty() ? default_url(*cfg) : f.url) + "?"
                                      : "is `pinpipe node` running?");
  std::cout << (interrupted ? "interrupted: " : "done: ") << s.events_sent << " events ("
            << s.records_sent << " records) sent and acknowledged in "
            << rate_text(s.elapsed_s) << " s: " << rate_text(s.achieved_rate()) << " events/s";
  if (s.target_rate > 0) std::cout << " (target " << number_text(s.target_rate) << ")";
  std::cout << "; manifest " << eo.manifest_path << std::endl;
  if (s.below_target() && !interrupted)
    std::cout << "warning: the target rate of " << number_text(s.target_rate)
              << " events/s was not reached (" << rate_text(s.achieved_rate()) << " events/s with "
              << s.in_flight << " in flight); raise --in-flight, or use --transport direct"
              << std::endl;
  return interrupted ? 130 : 0;
}

} // namespace

command make_emulate_command(const std::shared_ptr<common_options>& common) {
  auto f = std::make_shared<emulate_flags>();
  command c;
  c.name = "emulate";
  c.help = "run one user-posting emulator (batch or stream) against a running node";
  c.options = {
      {"--mode", "batch (Kafka topics <uid>.pin/geo/user) or stream (streams streaming-<uid>-*)",
       &f->mode, true},
      {"--events,-n", "events to send (default [emulator] events; 0 = until Ctrl-C)", &f->events},
      {"--rate", "events per second; 0 = as fast as possible (default [emulator] rate)", &f->rate},
      {"--course-timing", "sleep 0 or 1 s at random before each event, as the course's scripts",
       &f->course_timing},
      {"--seed",
       "seed of the key sequence (Python-compatible; default [emulator] seed, 0 there = a fresh "
       "random seed, printed)",
       &f->seed},
      {"--transport", "http (default: through the gateway) or direct (to the broker over ZeroMQ)",
       &f->transport},
      {"--url", "gateway base URL for --transport http (default http://<[gateway] listen>)",
       &f->url},
      {"--api-key", "x-api-key for the gateway (default: the first [gateway] api_keys entry)",
       &f->api_key},
      {"--data-dir", "holds source.db and manifests/ (default: [node] data_dir, ./data)",
       &f->data_dir},
      {"--key-min", "smallest source key to draw (default [emulator] key_min)", &f->key_min},
      {"--key-max", "largest source key to draw (default [emulator] key_max)", &f->key_max},
      {"--in-flight",
       "events sent at once (per-key order kept; default: enough for --rate, 1 for as fast as "
       "possible, at most 64)",
       &f->in_flight},
  };
  c.run = [common, f] { return run_emulate(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
