#include "pipeline/emulator/emulator.hpp"

#include <chrono>
#include <thread>

#include "common/logging.hpp"

namespace pinpipe::emulator {

emulator::emulator(const source::source_db& db, event_sender& sender, emulator_options opt)
    : db_(db), sender_(sender), opt_(std::move(opt)) {
  for (int t = 0; t < 3; ++t)
    destinations_[t] = destination_name(opt_.uid, opt_.m, static_cast<table>(t));
  if (opt_.uid.empty()) {
    init_ = {errc::invalid_config, "emulator: pipeline user id is empty; set pipeline.user_id"};
    return;
  }
  if (opt_.key_max >= db_.row_count()) {
    init_ = {errc::invalid_config, "emulator: key_max " + std::to_string(opt_.key_max) +
                                       " is beyond the last key " +
                                       std::to_string(db_.row_count() - 1) + " of source " +
                                       db_.path() + "; lower key_max or generate a larger source"};
    return;
  }
  plan_options po;
  po.events = opt_.events;
  po.rate = opt_.rate;
  po.course_timing = opt_.course_timing;
  po.seed = opt_.seed;
  po.key_min = opt_.key_min;
  po.key_max = opt_.key_max;
  auto plan = event_plan::create(po);
  if (!plan) {
    init_ = plan.error();
    return;
  }
  plan_.emplace(std::move(*plan));
  stats_.seed = plan_->seed();
  if (!opt_.manifest_path.empty()) {
    auto m = manifest_writer::open(opt_.manifest_path);
    if (!m) {
      init_ = m.error();
      return;
    }
    manifest_ = std::move(*m);
    event_base_ = manifest_->next_event();
  }
  logging::get("emulator")
      ->info("emulator: {} mode to {}, {}, {} events, keys {}..{}, seed {}{}", to_string(opt_.m),
             destinations_[0],
             opt_.course_timing ? std::string("course timing")
             : opt_.rate > 0    ? std::to_string(opt_.rate) + " events/s"
                                : std::string("as fast as possible"),
             opt_.events < 0 ? std::string("unlimited") : std::to_string(opt_.events), opt_.key_min,
             opt_.key_max, stats_.seed, opt_.seed ? "" : " (random)");
}

emulator::~emulator() = default;

bool emulator::fetch_pending() {
  if (!pending_ && plan_) pending_ = plan_->next();
  return pending_.has_value();
}

bool emulator::done() {
  return init_.ok() && !fetch_pending();
}

double emulator::next_delay() {
  if (!init_.ok() || !fetch_pending() || next_table_ > 0) return 0;
  return pending_->delay_seconds;
}

result<bool> emulator::step() {
  if (!init_.ok()) return init_;
  if (!fetch_pending()) return false;
  const planned_event ev = *pending_;
  auto rows = db_.event(ev.key);
  if (!rows) return rows.error();
  const std::string* values[3] = {&rows->pin, &rows->geo, &rows->user};
  const int64_t event_no = event_base_ + ev.index;
  for (; next_table_ < 3; ++next_table_) {
    const std::string& dest = destinations_[next_table_];
    auto sent = sender_.send(dest, opt_.m, {*values[next_table_]});
    if (!sent || sent->size() != 1) {
      ++stats_.send_errors;
      if (manifest_) manifest_->flush();
      if (!sent) return sent.error();
      return status{errc::internal, "sender returned " + std::to_string(sent->size()) +
                                        " results for one record to " + dest};
    }
    ++stats_.records_sent;
    if (manifest_)
      if (auto st = manifest_->append(event_no, ev.key, dest, sent->front()); !st) return st;
  }
  if (manifest_)
    if (auto st = manifest_->flush(); !st) return st;
  next_table_ = 0;
  pending_.reset();
  ++stats_.events_sent;
  stats_.last_key = ev.key;
  return true;
}

status emulator::run(const std::atomic<bool>& stop,
                     const std::function<void(const emulator_stats&)>& progress) {
  using clock = std::chrono::steady_clock;
  if (!init_.ok()) return init_;
  auto deadline = clock::now();
  auto last_report = clock::now();
  status result_status;
  while (!stop.load()) {
    if (done()) break;
    deadline +=
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(next_delay()));
    // After a stall do not burst to catch up by more than a second.
    if (deadline < clock::now() - std::chrono::seconds(1)) deadline = clock::now();
    while (!stop.load() && clock::now() < deadline)
      std::this_thread::sleep_for(
          std::min<clock::duration>(deadline - clock::now(), std::chrono::milliseconds(50)));
    if (stop.load()) break;
    auto r = step();
    if (!r) {
      result_status = r.error();
      break;
    }
    if (!*r) break;
    if (progress && clock::now() - last_report >= std::chrono::milliseconds(200)) {
      progress(stats_);
      last_report = clock::now();
    }
  }
  if (progress) progress(stats_);
  return result_status;
}

} // namespace pinpipe::emulator
