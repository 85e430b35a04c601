// Reading HTTP/1.1 requests from bytes (see http_parse.hpp): the head, the body's framing,
// chunked bodies; plus url_decode and http_request's lookups (declared in http_server.hpp).
#include "gateway/http_parse.hpp"

namespace pinpipe::gateway {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool known_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" ||
         m == "CONNECT" || m == "OPTIONS" || m == "TRACE" || m == "PATCH" || m == "PRI";
}

// RFC 7230 tchar: what a header name may hold (no spaces: "Content-Length : 5" is refused,
// as a proxy might read it differently).
bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
  case '!':
  case '#':
  case '$':
  case '%':
  case '&':
  case '\'':
  case '*':
  case '+':
  case '-':
  case '.':
  case '^':
  case '_':
  case '`':
  case '|':
  case '~':
    return true;
  default:
    return false;
  }
}

bool fail(http::parse_error& err, int status, std::string why) {
  err.status = status;
  err.why = std::move(why);
  return false;
}

void parse_query(std::string_view qs, http_request& req) {
  auto hash = qs.find('#');
  if (hash != std::string_view::npos) qs = qs.substr(0, hash);
  size_t i = 0;
  while (i <= qs.size()) {
    size_t amp = qs.find('&', i);
    if (amp == std::string_view::npos) amp = qs.size();
    std::string_view kv = qs.substr(i, amp - i);
    if (!kv.empty()) {
      auto eq = kv.find('=');
      std::string_view k = kv.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
      req.params.emplace_back(url_decode(k, true), url_decode(v, true));
    }
    i = amp + 1;
  }
}

} // namespace

std::string url_decode(std::string_view s, bool plus_to_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 1 < s.size()) {
      if (s[i + 1] == 'u' && i + 5 < s.size()) {
        int a = hex_value(s[i + 2]), b = hex_value(s[i + 3]), c2 = hex_value(s[i + 4]),
            d = hex_value(s[i + 5]);
        if (a >= 0 && b >= 0 && c2 >= 0 && d >= 0) {
          append_utf8(out, static_cast<unsigned>((a << 12) | (b << 8) | (c2 << 4) | d));
          i += 5;
          continue;
        }
      } else if (i + 2 < s.size()) {
        int a = hex_value(s[i + 1]), b = hex_value(s[i + 2]);
        if (a >= 0 && b >= 0) {
          out += static_cast<char>((a << 4) | b);
          i += 2;
          continue;
        }
      }
      out += c;
    } else if (plus_to_space && c == '+') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

const std::string* http_request::find_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (http::iequals(k, name)) return &v;
  return nullptr;
}
std::string http_request::header(std::string_view name) const {
  const auto* v = find_header(name);
  return v ? *v : std::string();
}
bool http_request::has_param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return true;
  return false;
}
std::string http_request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

namespace http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

size_t find_head_end(std::string_view buf, size_t& scan_from) {
  size_t end = buf.find("\r\n\r\n", scan_from);
  if (end != std::string_view::npos) return end + 4;
  // The terminator may straddle what arrived and what is still to come.
  scan_from = buf.size() >= 3 ? buf.size() - 3 : 0;
  return std::string_view::npos;
}

bool parse_head(std::string_view head, http_request& req, parse_error& err) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() > k_max_request_line)
    return fail(err, 414,
                "the request line is " + std::to_string(line.size()) +
                    " bytes, over the limit of " + std::to_string(k_max_request_line) +
                    ": shorten the URL");
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos)
    return fail(err, 400, "malformed request line: expected METHOD TARGET HTTP/1.1");
  req.method.assign(line.substr(0, sp1));
  req.target.assign(line.substr(sp1 + 1, sp2 - sp1 - 1));
  req.version.assign(trim(line.substr(sp2 + 1)));
  if (!known_method(req.method) || (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") ||
      req.target.empty())
    return fail(err, 400,
                "malformed request line: expected a known method, a target and HTTP/1.0 or "
                "HTTP/1.1");
  std::string_view target = req.target;
  auto q = target.find('?');
  req.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) parse_query(target.substr(q + 1), req);
  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view h = head.substr(pos, e - pos);
    pos = e + 2;
    if (h.empty()) continue;
    if (h.front() == ' ' || h.front() == '\t')
      return fail(err, 400,
                  "a header line starts with whitespace (obsolete line folding): "
                  "send each header on one line");
    auto colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return fail(err, 400, "malformed header line: expected Name: value");
    std::string_view name = h.substr(0, colon);
    for (char c : name)
      if (!token_char(c))
        return fail(err, 400,
                    "malformed header name \"" + std::string(name.substr(0, 64)) +
                        "\": no spaces or separators before the colon");
    if (req.headers.size() >= k_max_headers)
      return fail(err, 431, "more than " + std::to_string(k_max_headers) + " header lines");
    req.headers.emplace_back(std::string(name), std::string(trim(h.substr(colon + 1))));
  }
  return true;
}

bool read_framing(const http_request& req, body_framing& out, parse_error& err) {
  out = body_framing{};
  int te_count = 0;
  bool have_length = false;
  int64_t length = 0;
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, "Transfer-Encoding")) {
      if (++te_count > 1 || !iequals(trim(value), "chunked"))
        return fail(err, 400,
                    "unsupported Transfer-Encoding \"" + value.substr(0, 64) +
                        "\": only a single \"chunked\" is accepted");
      out.chunked = true;
    } else if (iequals(name, "Content-Length")) {
      // A list ("5, 5") is allowed when every element is the same number (RFC 7230 3.3.2).
      std::string_view rest = value;
      for (;;) {
        auto comma = rest.find(',');
        std::string_view v = trim(rest.substr(0, comma));
        if (v.empty() || v.size() > 18)
          return fail(err, 400,
                      "invalid Content-Length \"" + value.substr(0, 64) +
                          "\": expected a decimal byte count");
        int64_t n = 0;
        for (char ch : v) {
          if (ch < '0' || ch > '9')
            return fail(err, 400,
                        "invalid Content-Length \"" + value.substr(0, 64) +
                            "\": expected a decimal byte count");
          n = n * 10 + (ch - '0');
        }
        if (have_length && n != length)
          return fail(err, 400,
                      "conflicting Content-Length values (" + std::to_string(length) + " and " +
                          std::to_string(n) + "): send exactly one");
        have_length = true;
        length = n;
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
    }
  }
  if (out.chunked && have_length)
    return fail(err, 400,
                "both Content-Length and Transfer-Encoding: chunked were sent: send "
                "one of them");
  out.length = have_length ? length : 0;
  return true;
}

bool wants_close(const http_request& req) {
  const std::string* conn = req.find_header("Connection");
  if (conn && iequals(trim(*conn), "close")) return true;
  if (req.version == "HTTP/1.0" && !(conn && iequals(trim(*conn), "keep-alive"))) return true;
  return false;
}

parse_state chunked_decoder::feed(std::string& in, std::string& body, int64_t limit,
                                  parse_error& err) {
  constexpr size_t k_max_line = 1024;
  size_t i = 0;
  auto error = [&](int status, std::string why) {
    err.status = status;
    err.why = std::move(why);
    return parse_state::error;
  };
  for (;;) {
    if (phase_ == phase::size_line || phase_ == phase::trailers) {
      size_t eol = in.find("\r\n", i);
      if (eol == std::string::npos) {
        if (in.size() - i > k_max_line)
          return error(400, "a chunk-size or trailer line is over " + std::to_string(k_max_line) +
                                " bytes");
        break;
      }
      std::string_view line(in.data() + i, eol - i);
      i = eol + 2;
      if (phase_ == phase::trailers) {
        if (!line.empty()) continue; // trailers are read and dropped
        in.erase(0, i);
        return parse_state::complete;
      }
      auto semi = line.find(';');
      if (semi != std::string_view::npos) line = line.substr(0, semi);
      line = trim(line);
      if (line.empty() || line.size() > 15)
        return error(400, "malformed chunk size: expected hexadecimal digits");
      uint64_t n = 0;
      for (char c : line) {
        int h = hex_value(c);
        if (h < 0) return error(400, "malformed chunk size: expected hexadecimal digits");
        n = n * 16 + static_cast<uint64_t>(h);
      }
      if (n == 0) {
        phase_ = phase::trailers;
        continue;
      }
      if (static_cast<int64_t>(body.size() + n) > limit)
        return error(413,
                     "the chunked body is over the limit of " + std::to_string(limit) + " bytes");
      left_ = n;
      phase_ = phase::data;
    } else if (phase_ == phase::data) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(left_, in.size() - i));
      body.append(in.data() + i, take);
      i += take;
      left_ -= take;
      if (left_ > 0) break;
      phase_ = phase::data_end;
    } else { // data_end
      if (in.size() - i < 2) break;
      if (in[i] != '\r' || in[i + 1] != '\n')
        return error(400, "a chunk's data is not followed by CRLF");
      i += 2;
      phase_ = phase::size_line;
    }
  }
  in.erase(0, i);
  return parse_state::incomplete;
}

} // namespace http
} // namespace pinpipe::gateway
