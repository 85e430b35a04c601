// `pinpipe emulate --mode batch|stream ...`: one user-posting emulator (the course's
// user_posting_emulation.py / user_posting_emulation_streaming.py) against a RUNNING node:
//   --transport http    POSTs / PUTs to the node's gateway like the course scripts
//                       (emulator/http_sender.hpp; the node needs the gateway role),
//   --transport direct  produce requests over ZeroMQ to the node's broker
//                       (nodes/broker_sender.hpp; works with the broker role alone).
// Source rows come from <data-dir>/source.db; every acknowledged record is appended to
// <data-dir>/manifests/<mode>.csv (emulator/manifest.hpp). A failed send is retried (the
// emulator keeps the event; the direct sender's retries are idempotent) up to
// `max_consecutive_failures` times in a row. Ctrl-C stops after the event in flight.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <pthread.h>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "actors/pipeline_runtime.hpp"
#include "common/logging.hpp"
#include "nodes/broker_sender.hpp"
#include "nodes/command.hpp"
#include "nodes/metrics.hpp"
#include "pipeline/emulator/emulator.hpp"
#include "pipeline/emulator/http_sender.hpp"

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

constexpr int max_consecutive_failures = 5;
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
};

/// "0.0.0.0:8082" -> "http://127.0.0.1:8082".
std::string default_url(const config::config& cfg) {
  std::string listen = cfg.gateway.listen;
  for (const std::string any : {"0.0.0.0", "*"})
    if (listen.rfind(any + ":", 0) == 0) listen = "127.0.0.1" + listen.substr(any.size());
  return "http://" + listen;
}

result<std::unique_ptr<emulator::event_sender>>
make_sender(const common_options& common, const config::config& cfg, const emulate_flags& f) {
  if (f.transport == "http") {
    emulator::http_sender::options h;
    h.base_url = f.url.empty() ? default_url(cfg) : f.url;
    h.api_key = f.api_key;
    if (h.api_key.empty() && !cfg.gateway.api_keys.empty()) h.api_key = cfg.gateway.api_keys[0];
    auto s = emulator::http_sender::create(h);
    if (!s) return s.error();
    return std::unique_ptr<emulator::event_sender>(std::move(*s));
  }
  auto c = connect_broker(common);
  if (!c) return c.error();
  // Fail fast when nothing answers (ZeroMQ connects in the background and would only show
  // timeouts, one per retry).
  auto ping = transport::request(**c, messages::list_topics_request{}, preflight_timeout_ms);
  if (!ping)
    return status{errc::unavailable, "the node at " + (*c)->endpoint() + " does not answer (" +
                                         ping.error().message() +
                                         "); start it with `pinpipe node` or give --broker"};
  broker_sender::options o;
  o.timeout_ms = request_timeout_ms;
  return std::unique_ptr<emulator::event_sender>(std::make_unique<broker_sender>(std::move(*c), o));
}

/// 2.5 -> "2.5", 20 -> "20".
std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string progress_text(const emulator::emulator_stats& s, int64_t total) {
  return "  events " + std::to_string(s.events_sent) +
         (total > 0 ? "/" + std::to_string(total) : "") + "  records " +
         std::to_string(s.records_sent) + "  send errors " + std::to_string(s.send_errors);
}

int run_emulate(const common_options& common, const emulate_flags& f) {
  // 1. Configuration and the flags.
  auto cfg = load_config(common);
  if (!cfg) return fail(cfg.error());
  if (!f.data_dir.empty())
    if (auto st = config::apply_override(*cfg, "node", "data_dir", f.data_dir); !st)
      return fail(st);
  if (f.mode != "batch" && f.mode != "stream")
    return fail("--mode '" + f.mode + "' is unknown",
                "use --mode batch (Kafka topics) or --mode stream (Kinesis streams)");
  if (f.transport != "http" && f.transport != "direct")
    return fail("--transport '" + f.transport + "' is unknown",
                "use http (through the gateway) or direct (to the broker over ZeroMQ)");
  if (!f.rate.empty() && f.course_timing)
    return fail("--rate and --course-timing both given", "choose one way of pacing events");
  double rate = cfg->emulator.rate;
  if (!f.rate.empty()) {
    try {
      size_t used = 0;
      rate = std::stod(f.rate, &used);
      if (used != f.rate.size()) throw std::invalid_argument("trailing characters");
    } catch (...) {
      return fail("--rate '" + f.rate + "' is not a number",
                  "give events per second, 0 = as fast as possible");
    }
  }
  if (rate < 0) return fail("--rate must be >= 0", "0 means as fast as possible");
  const int64_t events = f.events == -2 ? cfg->emulator.events : f.events;
  if (events < 0) return fail("--events must be >= 0", "give a count, 0 = until Ctrl-C");

  emulator::emulator_options eo;
  eo.uid = cfg->pipeline.user_id;
  eo.m = f.mode == "batch" ? emulator::mode::batch : emulator::mode::stream;
  eo.events = events == 0 ? -1 : events;
  eo.rate = rate;
  eo.course_timing = f.course_timing;
  eo.seed = f.seed >= 0 ? static_cast<uint64_t>(f.seed) : cfg->emulator.seed;
  eo.key_min = f.key_min >= 0 ? f.key_min : cfg->emulator.key_min;
  eo.key_max = f.key_max >= 0 ? f.key_max : cfg->emulator.key_max;
  if (eo.key_min > eo.key_max)
    return fail("--key-min " + std::to_string(eo.key_min) + " is above --key-max " +
                    std::to_string(eo.key_max),
                "give a range with key-min <= key-max");

  // 2. The source database and the manifest.
  const auto paths = actors::data_paths::of(cfg->node.data_dir, *cfg);
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

  // 3. The sender and the emulator (signals are taken by a waiter thread from here on,
  //    before any socket exists).
  signal_waiter signals;
  auto sender = make_sender(common, *cfg, f);
  if (!sender) return fail(sender.error());
  emulator::emulator em(**db, **sender, eo);
  if (!em.init_status().ok()) return fail(em.init_status());
  const std::string target = f.transport == "http"
                                 ? (f.url.empty() ? default_url(*cfg) : f.url)
                                 : (common.broker.empty() ? cfg->node.listen : common.broker);
  std::cout << "emulating " << (events == 0 ? std::string("unlimited") : std::to_string(events))
            << " " << f.mode << " events to "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::pin) << ", "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::geo) << ", "
            << emulator::destination_name(eo.uid, eo.m, emulator::table::user) << " via "
            << f.transport << " " << target << " ("
            << (f.course_timing ? std::string("course timing")
                : rate > 0      ? number_text(rate) + " events/s"
                                : std::string("as fast as possible"))
            << ", keys " << eo.key_min << ".." << eo.key_max << ", seed " << *eo.seed << ")"
            << std::endl;
  std::cout << "manifest: " << eo.manifest_path << " (Ctrl-C stops cleanly)" << std::endl;

  // 4. Send until done or interrupted, retrying failed sends.
  progress_line progress(std::cout, isatty(STDOUT_FILENO));
  int failures = 0;
  int64_t records_at_failure = -1;
  status last_error;
  while (!interrupted) {
    auto st = em.run(interrupted, [&](const emulator::emulator_stats& s) {
      progress.update(progress_text(s, events));
    });
    if (st.ok() || interrupted) break;
    last_error = st;
    if (em.stats().records_sent != records_at_failure) failures = 0;
    records_at_failure = em.stats().records_sent;
    if (++failures >= max_consecutive_failures) break;
    progress.finish("  send failed (" + st.to_string() + "); retrying in " +
                    std::to_string(failures) + " s");
    for (int i = 0; i < failures * 10 && !interrupted; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto s = em.stats();
  progress.finish(progress_text(s, events));
  if (failures >= max_consecutive_failures)
    return fail(
        "sending failed " + std::to_string(failures) + " times in a row: " + last_error.to_string(),
        f.transport == "http" ? "is a node with the gateway role listening at " + target + "?"
                              : "is `pinpipe node` running at " + target + "?");
  std::cout << (interrupted ? "interrupted: " : "done: ") << s.events_sent << " events ("
            << s.records_sent << " records) sent and acknowledged; manifest " << eo.manifest_path
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
      {"--seed", "seed of the key sequence (Python-compatible; default [emulator] seed)", &f->seed},
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
  };
  c.run = [common, f] { return run_emulate(*common, *f); };
  return c;
}

} // namespace pinpipe::cli
