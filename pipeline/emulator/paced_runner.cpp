#include "pipeline/emulator/paced_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace pinpipe::emulator {

namespace {

using clock = std::chrono::steady_clock;

constexpr size_t queue_limit = 8; ///< events waiting per worker before the pacer waits

struct job {
  int64_t event_no = 0;
  int64_t key = 0;
  std::string values[3]; ///< pin, geo, user
};

} // namespace

bool runner_stats::below_target() const {
  return target_rate > 0 && events_sent > 0 && achieved_rate() < 0.95 * target_rate;
}

int32_t in_flight_for_rate(double rate) {
  if (rate <= 0) return 1;
  return static_cast<int32_t>(std::clamp<double>(std::ceil(rate / 30.0), 1, max_in_flight));
}

struct paced_runner::impl {
  const source::source_db& db;
  sender_factory make_sender;
  emulator_options opt;
  int32_t in_flight;
  int max_attempts;
  std::optional<event_plan> plan;
  std::unique_ptr<manifest_writer> manifest;
  int64_t event_base = 0;
  std::string destinations[3];

  std::mutex manifest_mu;
  std::atomic<int64_t> events{0}, records{0}, errors{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  status first_error;
  clock::time_point started{};
  std::atomic<bool> running{false};
  std::atomic<int64_t> last_done_ns{0}; ///< when the latest event was acknowledged (since started)

  struct worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<job> queue;
    bool closing = false;
    bool busy = false;
    std::unique_ptr<event_sender> sender;
    std::thread thread;
  };
  std::vector<std::unique_ptr<worker>> workers;

  impl(const source::source_db& d, sender_factory f, emulator_options o, int32_t n, int a)
      : db(d), make_sender(std::move(f)), opt(std::move(o)), in_flight(n), max_attempts(a) {}

  void fail_with(status st) {
    std::lock_guard<std::mutex> g(error_mu);
    if (first_error.ok()) first_error = std::move(st);
    failed = true;
  }

  /// One record, retried; false once the run has failed (by this worker or another).
  bool send_one(worker& w, const job& j, int t, const std::atomic<bool>& stop) {
    for (int attempt = 1;; ++attempt) {
      if (failed) return false;
      auto sent = w.sender->send(destinations[t], opt.m, {j.values[t]});
      if (sent && sent->size() == 1) {
        ++records;
        if (manifest) {
          std::lock_guard<std::mutex> g(manifest_mu);
          if (auto st = manifest->append(j.event_no, j.key, destinations[t], sent->front());
              !st.ok()) {
            fail_with(st);
            return false;
          }
        }
        return true;
      }
      ++errors;
      status err = sent ? status{errc::internal, "sender returned " +
                                                     std::to_string(sent->size()) +
                                                     " results for one record"}
                        : sent.error();
      if (attempt >= max_attempts) {
        fail_with(status{err.code(), "sending to " + destinations[t] + " failed " +
                                         std::to_string(attempt) +
                                         " times in a row: " + err.message()});
        return false;
      }
      // A growing pause (0.5 s, 1 s, 1.5 s, ...: a node restart fits), cut short by stop;
      // on stop the event is still finished if it can be (the manifest ends on whole events).
      for (int i = 0; i < attempt * 5 && !stop && !failed; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void work(worker& w, const std::atomic<bool>& stop) {
    for (;;) {
      job j;
      {
        std::unique_lock<std::mutex> g(w.mu);
        w.cv.wait(g, [&] { return !w.queue.empty() || w.closing; });
        if (w.queue.empty()) return;
        j = std::move(w.queue.front());
        w.queue.pop_front();
        w.busy = true;
      }
      bool ok = true;
      for (int t = 0; t < 3 && ok; ++t)
        ok = send_one(w, j, t, stop);
      if (ok) {
        if (manifest) {
          std::lock_guard<std::mutex> g(manifest_mu);
          if (auto st = manifest->flush(); !st.ok()) fail_with(st);
        }
        last_done_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - started)
                           .count();
        ++events;
      }
      {
        std::lock_guard<std::mutex> g(w.mu);
        w.busy = false;
      }
      w.cv.notify_all();
      if (!ok) return;
    }
  }

  /// Hands `j` to its key's worker, waiting while that worker's queue is full.
  bool dispatch(job j, const std::atomic<bool>& stop) {
    auto& w = *workers[static_cast<size_t>(j.key % in_flight)];
    std::unique_lock<std::mutex> g(w.mu);
    while (w.queue.size() >= queue_limit) {
      if (stop || failed) return false;
      w.cv.wait_for(g, std::chrono::milliseconds(50));
    }
    w.queue.push_back(std::move(j));
    g.unlock();
    w.cv.notify_all();
    return true;
  }

  void close_workers(bool drop_queued) {
    for (auto& w : workers) {
      {
        std::lock_guard<std::mutex> g(w->mu);
        w->closing = true;
        if (drop_queued) w->queue.clear();
      }
      w->cv.notify_all();
    }
    for (auto& w : workers)
      if (w->thread.joinable()) w->thread.join();
  }
};

paced_runner::paced_runner(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
paced_runner::~paced_runner() = default;

result<std::unique_ptr<paced_runner>>
paced_runner::create(const source::source_db& db, sender_factory make_sender,
                     const emulator_options& opt, int32_t in_flight, int max_attempts) {
  if (opt.uid.empty())
    return status{errc::invalid_config, "emulator: pipeline user id is empty; set pipeline.user_id"};
  if (in_flight < 1 || in_flight > max_in_flight)
    return status{errc::invalid_argument, "in-flight events must be 1.." +
                                              std::to_string(max_in_flight) + ", got " +
                                              std::to_string(in_flight)};
  if (opt.key_max >= db.row_count())
    return status{errc::invalid_config,
                  "emulator: key_max " + std::to_string(opt.key_max) + " is beyond the last key " +
                      std::to_string(db.row_count() - 1) + " of source " + db.path() +
                      "; lower key_max or generate a larger source"};
  auto p = std::make_unique<impl>(db, std::move(make_sender), opt, in_flight,
                                  std::max(1, max_attempts));
  for (int t = 0; t < 3; ++t)
    p->destinations[t] = destination_name(opt.uid, opt.m, static_cast<table>(t));
  plan_options po;
  po.events = opt.events;
  po.rate = opt.rate;
  po.course_timing = opt.course_timing;
  po.seed = opt.seed;
  po.key_min = opt.key_min;
  po.key_max = opt.key_max;
  auto plan = event_plan::create(po);
  if (!plan) return plan.error();
  p->plan.emplace(std::move(*plan));
  if (!opt.manifest_path.empty()) {
    auto m = manifest_writer::open(opt.manifest_path);
    if (!m) return m.error();
    p->manifest = std::move(*m);
    p->event_base = p->manifest->next_event();
  }
  return std::unique_ptr<paced_runner>(new paced_runner(std::move(p)));
}

runner_stats paced_runner::stats() const {
  auto& im = *impl_;
  runner_stats s;
  s.events_sent = im.events;
  s.records_sent = im.records;
  s.send_errors = im.errors;
  s.target_rate = im.opt.course_timing ? 0 : im.opt.rate;
  s.in_flight = im.in_flight;
  s.seed = im.plan ? im.plan->seed() : 0;
  // While running: up to now; once done: up to the last acknowledgement (not the end of
  // the shutdown), so a short run's rate is not diluted by the bookkeeping after it.
  if (im.running)
    s.elapsed_s = std::chrono::duration<double>(clock::now() - im.started).count();
  else if (s.events_sent > 0)
    s.elapsed_s = static_cast<double>(im.last_done_ns.load()) / 1e9;
  return s;
}

status paced_runner::run(const std::atomic<bool>& stop,
                         const std::function<void(const runner_stats&)>& progress) {
  auto& im = *impl_;
  for (int32_t i = 0; i < im.in_flight; ++i) {
    auto w = std::make_unique<impl::worker>();
    auto s = im.make_sender();
    if (!s) {
      im.close_workers(true);
      return s.error();
    }
    w->sender = std::move(*s);
    im.workers.push_back(std::move(w));
  }
  for (auto& w : im.workers)
    w->thread = std::thread([&im, &w, &stop] { im.work(*w, stop); });

  im.started = clock::now();
  im.running = true;
  auto deadline = im.started;
  auto last_report = im.started;
  status st;
  while (!stop && !im.failed) {
    auto ev = im.plan->next();
    if (!ev) break;
    deadline += std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(ev->delay_seconds));
    // After a stall do not burst to catch up by more than a second.
    if (deadline < clock::now() - std::chrono::seconds(1)) deadline = clock::now();
    while (!stop && !im.failed && clock::now() < deadline) {
      std::this_thread::sleep_for(
          std::min<clock::duration>(deadline - clock::now(), std::chrono::milliseconds(50)));
    }
    if (stop || im.failed) break;
    auto rows = im.db.event(ev->key);
    if (!rows) {
      im.fail_with(rows.error());
      break;
    }
    job j;
    j.event_no = im.event_base + ev->index;
    j.key = ev->key;
    j.values[0] = std::move(rows->pin);
    j.values[1] = std::move(rows->geo);
    j.values[2] = std::move(rows->user);
    if (!im.dispatch(std::move(j), stop)) break;
    if (progress && clock::now() - last_report >= std::chrono::milliseconds(200)) {
      progress(stats());
      last_report = clock::now();
    }
  }
  // Finish what was handed out (on stop only the events already being sent).
  if (stop) {
    for (auto& w : im.workers) {
      std::lock_guard<std::mutex> g(w->mu);
      w->queue.clear();
    }
  }
  while (true) { // progress while the workers drain
    bool idle = true;
    for (auto& w : im.workers) {
      std::lock_guard<std::mutex> g(w->mu);
      if (!w->queue.empty() || w->busy) idle = false;
      if (stop || im.failed) w->queue.clear();
    }
    if (idle) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (progress && clock::now() - last_report >= std::chrono::milliseconds(200)) {
      progress(stats());
      last_report = clock::now();
    }
  }
  auto final_stats = stats();
  im.running = false;
  im.close_workers(true);
  if (progress) progress(final_stats);
  std::lock_guard<std::mutex> g(im.error_mu);
  st = im.first_error;
  return st;
}

} // namespace pinpipe::emulator
