#include "common/csv.hpp"

namespace pinpipe::csv {

void append_field(std::string& out, std::string_view s, bool quote_empty) {
  const bool quote =
      (quote_empty && s.empty()) || s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string field(std::string_view s, bool quote_empty) {
  std::string out;
  append_field(out, s, quote_empty);
  return out;
}

} // namespace pinpipe::csv
