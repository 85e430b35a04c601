// Civil time in UTC (civil_time.hpp) and the text forms of scheduler.hpp.
#include "pipeline/batch/civil_time.hpp"

#include <cstdio>

namespace pinpipe::batch {
namespace civil_time {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}

int weekday_from_days(int64_t z) {
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

std::string iso_utc(unix_time t) {
  std::string s = format_utc(t);
  s[10] = 'T';
  return s;
}

} // namespace civil_time

using namespace civil_time;

std::string format_utc(unix_time t) {
  int64_t days = floor_div(t, 86400);
  int64_t secs = t - days * 86400;
  civil c = civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(c.y),
                c.m, c.d, static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

result<unix_time> parse_utc(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return status{errc::invalid_argument,
                  "time '" + text + "': " + why +
                      "; expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS (UTC)"};
  };
  if (text.size() != 10 && text.size() != 19) return bad("wrong length");
  auto num = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!num(0, 4, y) || text[4] != '-' || !num(5, 2, mo) || text[7] != '-' || !num(8, 2, d))
    return bad("malformed date");
  if (text.size() == 19 &&
      ((text[10] != ' ' && text[10] != 'T') || !num(11, 2, h) || text[13] != ':' ||
       !num(14, 2, mi) || text[16] != ':' || !num(17, 2, s)))
    return bad("malformed time of day");
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return bad("no such date");
  if (h > 23 || mi > 59 || s > 59) return bad("no such time of day");
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

} // namespace pinpipe::batch
