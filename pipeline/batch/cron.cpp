// The cron schedule of the DAG (cron_schedule in scheduler.hpp): parsing the 5 fields,
// and the next and previous fire times.
#include <algorithm>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/batch/civil_time.hpp"

namespace pinpipe::batch {

using namespace civil_time;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep)
      out.push_back(std::move(cur)), cur.clear();
    else
      cur.push_back(c);
  }
  out.push_back(cur);
  return out;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

/// Parses one field into a bit mask of allowed values in [lo, hi]; "" or an error text.
std::string parse_field(const std::string& text, int lo, int hi, uint64_t& mask) {
  mask = 0;
  auto range_text = [&] { return std::to_string(lo) + "-" + std::to_string(hi); };
  for (const std::string& item : split(text, ',')) {
    if (item.empty()) return "empty list item in '" + text + "'";
    auto slash = item.find('/');
    std::string base = item.substr(0, slash);
    int step = 1;
    if (slash != std::string::npos) {
      std::string st = item.substr(slash + 1);
      if (!parse_int(st, step) || step < 1)
        return "step '" + st + "' in '" + item + "' is not a positive number";
    }
    int a, b;
    if (base == "*") {
      a = lo, b = hi;
    } else {
      auto dash = base.find('-');
      std::string first = base.substr(0, dash);
      if (!parse_int(first, a)) return "'" + first + "' in '" + item + "' is not a number";
      if (dash != std::string::npos) {
        std::string second = base.substr(dash + 1);
        if (!parse_int(second, b)) return "'" + second + "' in '" + item + "' is not a number";
      } else {
        b = slash != std::string::npos ? hi : a; // "a/n" means a..max step n
      }
      if (a < lo || a > hi) return std::to_string(a) + " is out of range " + range_text();
      if (b < lo || b > hi) return std::to_string(b) + " is out of range " + range_text();
      if (a > b) return "range " + base + " runs backwards";
    }
    for (int v = a; v <= b; v += step)
      mask |= uint64_t{1} << v;
  }
  return "";
}

} // namespace

result<cron_schedule> cron_schedule::parse(const std::string& expr) {
  std::string e = expr;
  if (e == "@yearly" || e == "@annually")
    e = "0 0 1 1 *";
  else if (e == "@monthly")
    e = "0 0 1 * *";
  else if (e == "@weekly")
    e = "0 0 * * 0";
  else if (e == "@daily" || e == "@midnight")
    e = "0 0 * * *";
  else if (e == "@hourly")
    e = "0 * * * *";
  auto err = [&](const std::string& why) {
    return status{errc::invalid_config, "cron '" + expr + "': " + why};
  };
  if (!e.empty() && e[0] == '@')
    return err("unknown macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or "
               "@hourly");
  std::vector<std::string> f;
  std::istringstream in(e);
  for (std::string w; in >> w;)
    f.push_back(w);
  if (f.size() != 5)
    return err("expected 5 fields (minute hour day-of-month month day-of-week), got " +
               std::to_string(f.size()));
  static const char* names[] = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
  uint64_t masks[5];
  for (int i = 0; i < 5; ++i) {
    std::string why = parse_field(f[i], lo[i], hi[i], masks[i]);
    if (!why.empty()) return err(std::string(names[i]) + ": " + why);
  }
  cron_schedule c;
  c.expr_ = expr;
  c.minute_ = std::bitset<60>(masks[0]);
  c.hour_ = std::bitset<24>(masks[1]);
  c.dom_ = std::bitset<32>(masks[2]);
  c.month_ = std::bitset<13>(masks[3]);
  uint64_t dow = masks[4];
  if (dow & (uint64_t{1} << 7)) dow |= 1; // 7 is Sunday too
  c.dow_ = std::bitset<7>(dow & 0x7f);
  c.dom_star_ = f[2][0] == '*';
  c.dow_star_ = f[4][0] == '*';
  // A day-of-month that no allowed month has (e.g. "0 0 30 2 *") would never fire.
  if (!c.dom_star_ && c.dow_star_) {
    static const int max_dim[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool fires = false;
    for (int m = 1; m <= 12 && !fires; ++m)
      for (int d = 1; d <= max_dim[m] && c.month_[m] && !fires; ++d)
        fires = c.dom_[d];
    if (!fires) return err("never fires: no allowed month has the allowed day(s) of month");
  }
  return c;
}

bool cron_schedule::day_matches(int64_t days) const {
  bool dom_ok = dom_[static_cast<size_t>(civil_from_days(days).d)];
  bool dow_ok = dow_[static_cast<size_t>(weekday_from_days(days))];
  if (dom_star_ && dow_star_) return true;
  if (dom_star_) return dow_ok;
  if (dow_star_) return dom_ok;
  return dom_ok || dow_ok;
}

unix_time cron_schedule::next_fire_time(unix_time after) const {
  unix_time t = floor_div(after, 60) * 60 + 60;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    int64_t days = floor_div(t, 86400);
    civil c = civil_from_days(days);
    int64_t secs = t - days * 86400;
    int h = static_cast<int>(secs / 3600), mi = static_cast<int>(secs / 60 % 60);
    if (!month_[static_cast<size_t>(c.m)])
      t = days_from_civil(c.m == 12 ? c.y + 1 : c.y, c.m == 12 ? 1 : c.m + 1, 1) * 86400;
    else if (!day_matches(days))
      t = (days + 1) * 86400;
    else if (!hour_[static_cast<size_t>(h)])
      t = days * 86400 + (h + 1) * 3600;
    else if (!minute_[static_cast<size_t>(mi)])
      t += 60;
    else
      return t;
  }
  PINPIPE_ASSERT(false, "cron schedule never fires (parse() should have rejected it)");
}

unix_time cron_schedule::prev_fire_time(unix_time at) const {
  unix_time t = floor_div(at, 60) * 60;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    int64_t days = floor_div(t, 86400);
    civil c = civil_from_days(days);
    int64_t secs = t - days * 86400;
    int h = static_cast<int>(secs / 3600), mi = static_cast<int>(secs / 60 % 60);
    if (!month_[static_cast<size_t>(c.m)])
      t = days_from_civil(c.y, c.m, 1) * 86400 - 60;
    else if (!day_matches(days))
      t = days * 86400 - 60;
    else if (!hour_[static_cast<size_t>(h)])
      t = days * 86400 + h * 3600 - 60;
    else if (!minute_[static_cast<size_t>(mi)])
      t -= 60;
    else
      return t;
  }
  PINPIPE_ASSERT(false, "cron schedule never fires (parse() should have rejected it)");
}

} // namespace pinpipe::batch
