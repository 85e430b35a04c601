#include "transport/link_faults.hpp"

namespace pinpipe::transport {

std::string check(const fault_config& c) {
  for (auto [name, p] : {std::pair<const char*, double>{"drop", c.drop},
                         {"duplicate", c.duplicate},
                         {"delay", c.delay},
                         {"reorder", c.reorder}})
    if (!(p >= 0 && p <= 1))
      return std::string{"fault probability '"} + name + "' is " + std::to_string(p) +
             "; use a value between 0 and 1";
  if (c.delay_min_ms < 0 || c.delay_max_ms < c.delay_min_ms)
    return "fault delay range [" + std::to_string(c.delay_min_ms) + ", " +
           std::to_string(c.delay_max_ms) + "] ms is invalid; use 0 <= min <= max";
  if (c.reorder_window_ms < 1)
    return "fault reorder window must be at least 1 ms (it is " +
           std::to_string(c.reorder_window_ms) + ")";
  return {};
}

void link_faults::set(const fault_config& c, uint64_t link_salt) {
  std::lock_guard<std::mutex> lock(mu_);
  cfg_ = c;
  active_ = c.active();
  rng_.seed(c.seed * 0x9E3779B97F4A7C15ULL ^ link_salt);
  hb_rng_.seed(c.seed * 0xBF58476D1CE4E5B9ULL ^ link_salt ^ 0x5bd1e995);
}

fault_config link_faults::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cfg_;
}

bool link_faults::cut_inbound() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cfg_.cut_inbound;
}

link_faults::verdict link_faults::decide(clock::time_point now, bool heartbeat_frame) {
  verdict v;
  std::lock_guard<std::mutex> lock(mu_);
  if (!active_) {
    v.sends.push_back(now);
    return v;
  }
  if (cfg_.cut_outbound) {
    v.cut = true;
    return v;
  }
  std::mt19937_64& rng = heartbeat_frame ? hb_rng_ : rng_;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  // Draw every coin for every frame, so one setting does not shift the others' decisions.
  const double d_drop = coin(rng), d_dup = coin(rng), d_delay = coin(rng), d_reorder = coin(rng);
  const int delay_ms =
      std::uniform_int_distribution<int>(cfg_.delay_min_ms, cfg_.delay_max_ms)(rng);
  const int reorder_ms = std::uniform_int_distribution<int>(1, cfg_.reorder_window_ms)(rng);
  if (d_drop < cfg_.drop) {
    v.dropped = true;
    return v;
  }
  auto at = now;
  if (d_delay < cfg_.delay) {
    v.delayed = true;
    at += std::chrono::milliseconds(delay_ms);
  }
  if (d_reorder < cfg_.reorder) {
    v.reordered = true;
    at += std::chrono::milliseconds(reorder_ms);
  }
  v.sends.push_back(at);
  if (d_dup < cfg_.duplicate) {
    v.duplicated = true;
    v.sends.push_back(at);
  }
  return v;
}

} // namespace pinpipe::transport
