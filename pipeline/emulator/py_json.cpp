#include "pipeline/emulator/py_json.hpp"

#include <cstdio>

namespace pinpipe::emulator {

namespace {

void append_u(std::string& out, uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}

/// Decodes one UTF-8 sequence at s[i]; returns the code point (U+FFFD when invalid) and
/// advances i.
uint32_t decode_utf8(const std::string& s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80             ? 0
          : (c & 0xE0) == 0xC0 ? 1
          : (c & 0xF0) == 0xE0 ? 2
          : (c & 0xF8) == 0xF0 ? 3
                               : -1;
  if (n < 0 || i + static_cast<size_t>(n) >= s.size() + (n == 0)) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k <= n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += static_cast<size_t>(n) + 1;
  return cp;
}

void dump_string(std::string& out, const std::string& s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = decode_utf8(s, i);
    switch (cp) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000)) { // Python escapes all but ' '..'~'
        append_u(out, cp);
      } else if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        append_u(out, 0xD800 + (v >> 10));
        append_u(out, 0xDC00 + (v & 0x3FF));
      } else {
        out.push_back(static_cast<char>(cp));
      }
    }
  }
  out.push_back('"');
}

void dump(std::string& out, const nlohmann::ordered_json& j) {
  switch (j.type()) {
  case nlohmann::ordered_json::value_t::object: {
    out.push_back('{');
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out += ", ";
      first = false;
      dump_string(out, it.key());
      out += ": ";
      dump(out, it.value());
    }
    out.push_back('}');
    break;
  }
  case nlohmann::ordered_json::value_t::array: {
    out.push_back('[');
    for (size_t i = 0; i < j.size(); ++i) {
      if (i) out += ", ";
      dump(out, j[i]);
    }
    out.push_back(']');
    break;
  }
  case nlohmann::ordered_json::value_t::string:
    dump_string(out, j.get_ref<const std::string&>());
    break;
  case nlohmann::ordered_json::value_t::number_float: {
    const double d = j.get<double>();
    if (d != d)
      out += "NaN"; // what Python writes (allow_nan=True)
    else if (d == 1.0 / 0.0)
      out += "Infinity";
    else if (d == -1.0 / 0.0)
      out += "-Infinity";
    else
      out += j.dump(); // shortest round-trip, like Python's float repr
    break;
  }
  default: // integers, booleans, null: same spelling in both
    out += j.dump();
  }
}

} // namespace

std::string python_json_dumps(const nlohmann::ordered_json& j) {
  std::string out;
  dump(out, j);
  return out;
}

} // namespace pinpipe::emulator
