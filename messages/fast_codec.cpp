#include "messages/fast_codec.hpp"

#include <cstring>
#include <limits>

namespace pinpipe::messages::fast {

namespace {

uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

bool cursor::take(size_t n, const uint8_t*& out) {
  if (static_cast<size_t>(end_ - p_) < n) return false;
  out = p_;
  p_ += n;
  return true;
}

bool cursor::array(uint32_t& n) {
  if (p_ == end_) return false;
  const uint8_t t = *p_;
  const uint8_t* b = nullptr;
  if ((t & 0xf0) == 0x90) {
    ++p_;
    n = t & 0x0f;
  } else if (t == 0xdc) {
    if (!take(3, b)) return false;
    n = static_cast<uint32_t>(load_be(b + 1, 2));
  } else if (t == 0xdd) {
    if (!take(5, b)) return false;
    n = static_cast<uint32_t>(load_be(b + 1, 4));
  } else {
    return false;
  }
  // Every element takes at least one byte: a count beyond the input is a lie.
  return n <= static_cast<size_t>(end_ - p_);
}

bool cursor::uint(uint64_t& v) {
  int64_t s = 0;
  if (p_ == end_) return false;
  if (*p_ == 0xcf) { // uint64 beyond int64's range
    const uint8_t* b = nullptr;
    if (!take(9, b)) return false;
    v = load_be(b + 1, 8);
    return true;
  }
  const uint8_t* save = p_;
  if (!sint(s) || s < 0) {
    p_ = save;
    return false;
  }
  v = static_cast<uint64_t>(s);
  return true;
}

bool cursor::sint(int64_t& v) {
  if (p_ == end_) return false;
  const uint8_t t = *p_;
  const uint8_t* b = nullptr;
  if (t <= 0x7f) {
    ++p_;
    v = t;
    return true;
  }
  if (t >= 0xe0) {
    ++p_;
    v = static_cast<int8_t>(t);
    return true;
  }
  switch (t) {
  case 0xcc:
  case 0xcd:
  case 0xce: {
    const size_t n = size_t{1} << (t - 0xcc);
    if (!take(1 + n, b)) return false;
    v = static_cast<int64_t>(load_be(b + 1, n));
    return true;
  }
  case 0xcf: {
    if (!take(9, b)) return false;
    const uint64_t u = load_be(b + 1, 8);
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      p_ -= 9;
      return false;
    }
    v = static_cast<int64_t>(u);
    return true;
  }
  case 0xd0:
    if (!take(2, b)) return false;
    v = static_cast<int8_t>(b[1]);
    return true;
  case 0xd1:
    if (!take(3, b)) return false;
    v = static_cast<int16_t>(load_be(b + 1, 2));
    return true;
  case 0xd2:
    if (!take(5, b)) return false;
    v = static_cast<int32_t>(load_be(b + 1, 4));
    return true;
  case 0xd3:
    if (!take(9, b)) return false;
    v = static_cast<int64_t>(load_be(b + 1, 8));
    return true;
  default:
    return false;
  }
}

bool cursor::boolean(bool& v) {
  if (p_ == end_ || (*p_ != 0xc2 && *p_ != 0xc3)) return false;
  v = *p_++ == 0xc3;
  return true;
}

bool cursor::str(std::string_view& v) {
  if (p_ == end_) return false;
  const uint8_t t = *p_;
  size_t len = 0, head = 1;
  const uint8_t* b = nullptr;
  if ((t & 0xe0) == 0xa0) {
    len = t & 0x1f;
  } else if (t == 0xd9 || t == 0xc4) {
    head = 2;
  } else if (t == 0xda || t == 0xc5) {
    head = 3;
  } else if (t == 0xdb || t == 0xc6) {
    head = 5;
  } else {
    return false;
  }
  if (static_cast<size_t>(end_ - p_) < head) return false;
  if (head > 1) len = static_cast<size_t>(load_be(p_ + 1, head - 1));
  if (static_cast<size_t>(end_ - p_) - head < len) return false;
  if (!take(head + len, b)) return false;
  v = std::string_view(reinterpret_cast<const char*>(b + head), len);
  return true;
}

bool read_envelope(std::string_view bytes, envelope_view& out) {
  cursor c(bytes);
  uint32_t n = 0;
  uint64_t version = 0, type = 0;
  std::string_view destination;
  if (!c.array(n) || n != 6 || !c.uint(version) || version < 1 || version > protocol_version ||
      !c.uint(type) || type > std::numeric_limits<uint16_t>::max() || !c.str(out.source) ||
      !c.str(destination) || !c.uint(out.correlation_id) || !c.str(out.payload) || !c.at_end()) {
    return false;
  }
  out.version = static_cast<uint16_t>(version);
  out.type = static_cast<msg_type>(type);
  return true;
}

bool read_fetch_response(std::string_view envelope_bytes, fetch_view& out) {
  envelope_view env;
  if (!read_envelope(envelope_bytes, env) || env.type != msg_type::fetch_response) return false;
  out.correlation_id = env.correlation_id;
  out.records.clear();
  out.headers.clear();
  cursor c(env.payload);
  uint32_t n = 0, count = 0;
  uint64_t version = 0;
  int64_t error = 0;
  if (!c.array(n) || n != 6 || !c.uint(version) || version < 1 || version > protocol_version ||
      !c.sint(error) || !c.str(out.message) || !c.array(count)) {
    return false;
  }
  out.error = static_cast<errc>(error);
  out.records.resize(count);
  for (auto& r : out.records) {
    uint32_t outer = 0, fields = 0, nh = 0;
    uint64_t v1 = 0, v2 = 0;
    if (!c.array(outer) || outer != 3 || !c.uint(v1) || !c.sint(r.offset) || !c.array(fields) ||
        fields != 6 || !c.uint(v2) || !c.boolean(r.has_key) || !c.str(r.key) || !c.str(r.value) ||
        !c.sint(r.timestamp_ms) || !c.array(nh)) {
      return false;
    }
    r.first_header = static_cast<uint32_t>(out.headers.size());
    r.header_count = nh;
    for (uint32_t i = 0; i < nh; ++i) {
      uint32_t two = 0;
      std::string_view hk, hv;
      if (!c.array(two) || two != 2 || !c.str(hk) || !c.str(hv)) return false;
      out.headers.emplace_back(hk, hv);
    }
  }
  return c.sint(out.high_watermark) && c.sint(out.log_start) && c.at_end();
}

} // namespace pinpipe::messages::fast
