// The record values of the crash test: record n carries its number and a filler whose
// length and bytes depend on n, so a damaged or misplaced record is detected.
#pragma once

#include <string>

namespace pinpipe::test {

inline std::string crash_record_value(long long n) {
  std::string v = std::to_string(n) + ":";
  for (long long i = 0; i < 20 + n % 200; ++i)
    v += static_cast<char>('a' + (n * 7 + i) % 26);
  return v;
}

/// The number in a record value, or -1 when the value is not one of ours intact.
inline long long crash_record_number(const std::string& v) {
  auto colon = v.find(':');
  if (colon == std::string::npos) return -1;
  long long n = std::atoll(v.substr(0, colon).c_str());
  return crash_record_value(n) == v ? n : -1;
}

} // namespace pinpipe::test
