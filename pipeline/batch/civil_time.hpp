// Civil time in UTC, the scheduler's calendar arithmetic (after Howard Hinnant's date
// algorithms): days since the epoch <-> year/month/day, weekdays, month lengths. Internal
// to pipeline/batch (the scheduler's cron and run history); format_utc/parse_utc, the
// public text forms, are declared in scheduler.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::batch::civil_time {

struct civil {
  int64_t y;
  int m, d;
};

/// a / b rounded towards minus infinity.
int64_t floor_div(int64_t a, int64_t b);
/// Days since 1970-01-01 of the date y-m-d (proleptic Gregorian).
int64_t days_from_civil(int64_t y, int m, int d);
/// The date `z` days after 1970-01-01.
civil civil_from_days(int64_t z);
/// 0 = Sunday .. 6 = Saturday.
int weekday_from_days(int64_t z);
bool is_leap(int64_t y);
int days_in_month(int64_t y, int m);
/// "2026-11-22T00:00:00", the form used in run ids.
std::string iso_utc(unix_time t);

} // namespace pinpipe::batch::civil_time
