#include "pipeline/lake/json_check.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace pinpipe::lake {

namespace {

constexpr int max_depth = 512;

/// Recursive-descent syntax checker over [p_, end_). On failure it records the position
/// and a description of the first problem; the caller turns that into the reason.
class checker {
public:
  checker(std::string_view text)
      : begin_(reinterpret_cast<const uint8_t*>(text.data())), p_(begin_), end_(p_ + text.size()) {}

  bool run() {
    skip_ws();
    if (!value(0)) return false;
    skip_ws();
    if (p_ != end_) return fail(false, "unexpected data after the JSON value");
    return true;
  }

  std::string reason() const {
    char buf[64];
    std::string out = utf8_error_ ? "not valid UTF-8: " : "not JSON: ";
    out += what_;
    size_t pos = static_cast<size_t>(err_pos_ - begin_);
    if (err_pos_ < end_) {
      uint8_t c = *err_pos_;
      if (c >= 0x20 && c < 0x7f)
        std::snprintf(buf, sizeof(buf), " ('%c' at byte %zu)", c, pos);
      else
        std::snprintf(buf, sizeof(buf), " (byte 0x%02x at byte %zu)", c, pos);
    } else {
      std::snprintf(buf, sizeof(buf), " (at end of line, byte %zu)", pos);
    }
    return out + buf;
  }

private:
  bool fail(bool utf8, const char* what) {
    utf8_error_ = utf8;
    what_ = what;
    err_pos_ = p_;
    return false;
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }

  bool value(int depth) {
    if (p_ == end_) return fail(false, "expected a value");
    switch (*p_) {
    case '{':
      return object(depth + 1);
    case '[':
      return array(depth + 1);
    case '"':
      return string();
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return number();
      if (*p_ >= 0x80) return fail(false, "unexpected non-ASCII byte where a value should start");
      return fail(false, "expected a value");
    }
  }

  bool literal(const char* word) {
    for (const char* w = word; *w; ++w, ++p_)
      if (p_ == end_ || *p_ != static_cast<uint8_t>(*w)) return fail(false, "invalid literal");
    return true;
  }

  bool digits() {
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return fail(false, "expected a digit");
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
      ++p_;
    return true;
  }

  bool number() {
    if (*p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0')
      ++p_;
    else if (!digits())
      return false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    return true;
  }

  static int hex(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads the 4 hex digits after "\u"; p_ points at the 'u'.
  bool u_escape(uint32_t& cp) {
    ++p_;
    if (end_ - p_ < 4) return fail(false, "truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      int h = hex(*p_);
      if (h < 0) return fail(false, "invalid hex digit in \\u escape");
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    return true;
  }

  bool escape() {
    ++p_; // the backslash
    if (p_ == end_) return fail(false, "unterminated string");
    switch (*p_) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      ++p_;
      return true;
    case 'u': {
      uint32_t cp;
      if (!u_escape(cp)) return false;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(false, "lone low surrogate in \\u escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
          return fail(false, "high surrogate \\u escape not followed by a low surrogate");
        ++p_;
        uint32_t lo;
        if (!u_escape(lo)) return false;
        if (lo < 0xDC00 || lo > 0xDFFF)
          return fail(false, "high surrogate \\u escape not followed by a low surrogate");
      }
      return true;
    }
    default:
      return fail(false, "invalid escape in string");
    }
  }

  // One multi-byte UTF-8 sequence starting at p_ (*p_ >= 0x80).
  bool utf8_sequence() {
    uint8_t c = *p_;
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF)
      n = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 3, cp = c & 0x07;
    else
      return fail(true, "invalid UTF-8 lead byte");
    if (end_ - p_ <= n) return fail(true, "truncated UTF-8 sequence");
    for (int i = 1; i <= n; ++i) {
      if ((p_[i] & 0xC0) != 0x80) return fail(true, "invalid UTF-8 continuation byte");
      cp = (cp << 6) | (p_[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
      return fail(true, "overlong UTF-8 sequence");
    if (cp >= 0xD800 && cp <= 0xDFFF) return fail(true, "UTF-8 encoded surrogate");
    if (cp > 0x10FFFF) return fail(true, "code point above U+10FFFF");
    p_ += n + 1;
    return true;
  }

  /// True when one of the 8 bytes at p is a quote, a backslash, a control character or
  /// non-ASCII (SWAR: the "has zero byte" trick on shifted copies of the word).
  static bool needs_attention(const uint8_t* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    auto has_zero = [](uint64_t v) { return (v - ones) & ~v & highs; };
    uint64_t lt20 = (w - ones * 0x20) & ~w & highs;
    return ((w & highs) | lt20 | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) != 0;
  }

  bool string() {
    ++p_; // opening quote
    for (;;) {
      // Fast path: plain printable ASCII, 8 bytes at a time, then byte by byte.
      while (end_ - p_ >= 8 && !needs_attention(p_))
        p_ += 8;
      while (p_ < end_ && *p_ >= 0x20 && *p_ < 0x80 && *p_ != '"' && *p_ != '\\')
        ++p_;
      if (p_ == end_) return fail(false, "unterminated string");
      uint8_t c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(false, "unescaped control character in string");
      } else if (!utf8_sequence()) {
        return false;
      }
    }
  }

  bool array(int depth) {
    if (depth > max_depth) return fail(false, "nesting deeper than 512 levels");
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (p_ == end_) return fail(false, "unterminated array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return fail(false, "expected ',' or ']' in array");
    }
  }

  bool object(int depth) {
    if (depth > max_depth) return fail(false, "nesting deeper than 512 levels");
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (p_ == end_) return fail(false, "unterminated object");
      if (*p_ != '"') return fail(false, "expected a string key in object");
      if (!string()) return false;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return fail(false, "expected ':' after object key");
      ++p_;
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (p_ == end_) return fail(false, "unterminated object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return fail(false, "expected ',' or '}' in object");
    }
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  const uint8_t* err_pos_ = nullptr;
  const char* what_ = "";
  bool utf8_error_ = false;
};

} // namespace

bool check_json(std::string_view text, std::string* reason) {
  checker c(text);
  if (c.run()) return true;
  if (reason) *reason = c.reason();
  return false;
}

} // namespace pinpipe::lake
