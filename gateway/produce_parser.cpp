// The fast produce-body parser (see produce_parser.hpp): a recursive-descent reader that
// copies values without insignificant whitespace and gives up on anything unusual.
#include "gateway/produce_parser.hpp"

namespace pinpipe::gateway {
namespace {

constexpr int k_max_depth = 64;
constexpr size_t k_max_keys_checked = 64;

class reader {
public:
  explicit reader(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }
  bool at_end() const { return p_ == end_; }
  bool peek(char c) const { return p_ < end_ && *p_ == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  char cur() const { return p_ < end_ ? *p_ : '\0'; }

  // A string (at '"'), appended with its quotes; false to decline.
  bool string(std::string& out) {
    if (!eat('"')) return false;
    out += '"';
    const char* start = p_;
    while (p_ < end_) {
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(start, static_cast<size_t>(p_ - start));
        out += '"';
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (p_ + 1 >= end_) return false;
        char e = p_[1];
        // Escapes nlohmann prints back identically; \/ and \u are re-encoded: decline.
        if (e != '"' && e != '\\' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
          return false;
        p_ += 2;
        continue;
      }
      if (c < 0x20) return false;
      if (c < 0x80) {
        ++p_;
        continue;
      }
      if (!utf8()) return false;
    }
    return false;
  }

  // One value appended minified; false to decline.
  bool value(std::string& out, int depth) {
    if (depth > k_max_depth) return false;
    ws();
    char c = cur();
    if (c == '"') return string(out);
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '-' || (c >= '0' && c <= '9')) return integer(out);
    return literal(out, "true") || literal(out, "false") || literal(out, "null");
  }

  // The key of an object member (at '"'), as its raw text between the quotes.
  bool key(std::string_view& k) {
    std::string tmp;
    const char* start = p_ + 1;
    if (!string(tmp)) return false;
    k = std::string_view(start, tmp.size() - 2);
    return true;
  }

  bool integer(std::string& out) {
    const char* start = p_;
    eat('-');
    const char* digits = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
      ++p_;
    const size_t n = static_cast<size_t>(p_ - digits);
    if (n == 0 || n > 18) return false;
    if (digits[0] == '0' && (n > 1 || digits != start)) return false; // 01, -0
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    out.append(start, static_cast<size_t>(p_ - start));
    return true;
  }

  bool literal(std::string& out, std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return false;
    p_ += word.size();
    out.append(word.data(), word.size());
    return true;
  }

private:
  bool object(std::string& out, int depth) {
    eat('{');
    out += '{';
    ws();
    if (eat('}')) {
      out += '}';
      return true;
    }
    std::vector<std::string_view> keys;
    for (;;) {
      ws();
      std::string_view k;
      if (!peek('"') || !key(k)) return false;
      if (keys.size() >= k_max_keys_checked) return false;
      for (auto& seen : keys)
        if (seen == k) return false; // duplicate: nlohmann keeps the last value
      keys.push_back(k);
      out += '"';
      out.append(k.data(), k.size());
      out += '"';
      ws();
      if (!eat(':')) return false;
      out += ':';
      if (!value(out, depth + 1)) return false;
      ws();
      if (eat(',')) {
        out += ',';
        continue;
      }
      if (eat('}')) {
        out += '}';
        return true;
      }
      return false;
    }
  }

  bool array(std::string& out, int depth) {
    eat('[');
    out += '[';
    ws();
    if (eat(']')) {
      out += ']';
      return true;
    }
    for (;;) {
      if (!value(out, depth + 1)) return false;
      ws();
      if (eat(',')) {
        out += ',';
        continue;
      }
      if (eat(']')) {
        out += ']';
        return true;
      }
      return false;
    }
  }

  // One multi-byte UTF-8 sequence at p_ (RFC 3629 table, as nlohmann's lexer checks).
  bool utf8() {
    auto b = [&](size_t i) { return static_cast<unsigned char>(p_[i]); };
    auto in = [](unsigned char x, unsigned lo, unsigned hi) { return x >= lo && x <= hi; };
    const size_t left = static_cast<size_t>(end_ - p_);
    unsigned char c = b(0);
    size_t len = 0;
    if (in(c, 0xC2, 0xDF)) {
      len = 2;
      if (left < 2 || !in(b(1), 0x80, 0xBF)) return false;
    } else if (c == 0xE0 || in(c, 0xE1, 0xEC) || c == 0xED || in(c, 0xEE, 0xEF)) {
      len = 3;
      if (left < 3) return false;
      unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      if (!in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF)) return false;
    } else if (c == 0xF0 || in(c, 0xF1, 0xF3) || c == 0xF4) {
      len = 4;
      if (left < 4) return false;
      unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      if (!in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF) || !in(b(3), 0x80, 0xBF)) return false;
    } else {
      return false;
    }
    p_ += len;
    return true;
  }

  const char* p_;
  const char* end_;
};

using kind = fast_produce_record::kind;

kind kind_of(const std::string& minified) {
  if (minified == "null") return kind::null;
  if (!minified.empty() && minified[0] == '"') return kind::string;
  return kind::other;
}

bool record(reader& r, fast_produce_record& out) {
  r.ws();
  if (!r.eat('{')) return false;
  r.ws();
  if (r.eat('}')) return true;
  bool seen_key = false, seen_value = false, seen_partition = false;
  for (;;) {
    r.ws();
    std::string_view k;
    if (!r.peek('"') || !r.key(k)) return false;
    r.ws();
    if (!r.eat(':')) return false;
    if (k == "value" || k == "key") {
      bool& seen = k == "value" ? seen_value : seen_key;
      if (seen) return false;
      seen = true;
      std::string& text = k == "value" ? out.value : out.key;
      if (!r.value(text, 1)) return false;
      (k == "value" ? out.value_kind : out.key_kind) = kind_of(text);
    } else if (k == "partition") {
      if (seen_partition) return false;
      seen_partition = true;
      r.ws();
      std::string text;
      if (!r.value(text, 1)) return false;
      if (text != "null") {
        if (text.empty() || text[0] < '0' || text[0] > '9') return false; // not an integer >= 0
        for (char c : text)
          if (c < '0' || c > '9') return false;
        out.has_partition = true;
        out.partition = std::stoll(text);
      }
    } else {
      return false; // unrecognized field: the general path words the error
    }
    r.ws();
    if (r.eat(',')) continue;
    if (r.eat('}')) return true;
    return false;
  }
}

} // namespace

std::optional<std::string> minify_json_exact(std::string_view text) {
  reader r(text);
  std::string out;
  out.reserve(text.size());
  if (!r.value(out, 0)) return std::nullopt;
  r.ws();
  if (!r.at_end()) return std::nullopt;
  return out;
}

std::optional<std::vector<fast_produce_record>> parse_produce_fast(std::string_view body) {
  reader r(body);
  r.ws();
  if (!r.eat('{')) return std::nullopt;
  r.ws();
  std::string_view k;
  if (!r.peek('"') || !r.key(k) || k != "records") return std::nullopt;
  r.ws();
  if (!r.eat(':')) return std::nullopt;
  r.ws();
  if (!r.eat('[')) return std::nullopt;
  std::vector<fast_produce_record> records;
  r.ws();
  if (!r.eat(']')) {
    for (;;) {
      records.emplace_back();
      if (!record(r, records.back())) return std::nullopt;
      r.ws();
      if (r.eat(',')) continue;
      if (r.eat(']')) break;
      return std::nullopt;
    }
  }
  r.ws();
  if (!r.eat('}')) return std::nullopt; // other top-level keys: general path
  r.ws();
  if (!r.at_end()) return std::nullopt;
  return records;
}

} // namespace pinpipe::gateway
