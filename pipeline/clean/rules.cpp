#include "pipeline/clean/rules.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace pinpipe::clean::rules {

bool is_placeholder(pin_column column, std::string_view v) {
  switch (column) {
  case pin_column::title:
    return v == "No Title Data Available";
  case pin_column::description:
    return v == "No description available Story format" || v == "No description available" ||
           v == "Untitled";
  case pin_column::poster_name:
    return v == "User Info Error";
  case pin_column::tag_list:
    return v == "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
  case pin_column::image_src:
    return v == "Image src error.";
  case pin_column::other:
    return false;
  }
  return false;
}

std::optional<int64_t> parse_follower_count(std::string_view text) {
  int64_t multiplier = 1;
  if (!text.empty() && text.back() == 'k') multiplier = 1000;
  if (!text.empty() && text.back() == 'M') multiplier = 1000000;
  if (multiplier != 1) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    int64_t d = c - '0';
    if (v > (max - d) / 10) return std::nullopt; // would overflow
    v = v * 10 + d;
  }
  if (v > max / multiplier) return std::nullopt;
  return v * multiplier;
}

std::string_view strip_save_location(std::string_view text) {
  constexpr std::string_view prefix = "Local save in ";
  if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  return text;
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

} // namespace

std::optional<std::string> normalize_timestamp(std::string_view t) {
  if (t.size() != 19) return std::nullopt;
  if (t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || !digits(t, 5, 2, month) || !digits(t, 8, 2, day) ||
      !digits(t, 11, 2, hour) || !digits(t, 14, 2, minute) || !digits(t, 17, 2, second))
    return std::nullopt;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  std::string out(t);
  out[10] = ' ';
  return out;
}

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, ec == std::errc{} ? end : buf);
  if (std::isfinite(v) && out.find_first_of(".eE") == std::string::npos) out += ".0";
  return out;
}

} // namespace pinpipe::clean::rules
