#include "storage/segment_scan.hpp"

#include <cstring>
#include <limits>
#include <optional>

#include "storage/batch_reader.hpp"

namespace pinpipe::storage {
namespace {

constexpr size_t scan_chunk = 1 << 20;

const char* describe(format::header_state s) {
  switch (s) {
  case format::header_state::ok:
    return "ok";
  case format::header_state::zero:
    return "zeros where a batch header was expected";
  case format::header_state::bad_magic:
    return "bad magic";
  case format::header_state::bad_version:
    return "unknown batch version";
  case format::header_state::bad_length:
    return "bad length or record count";
  }
  return "?";
}

struct found_batch {
  int64_t pos = 0;
  format::batch_header h;
};

/// The first verified batch at or after `from` whose base offset is >= min_offset (and
/// within the segment's 32-bit relative range), scanning byte by byte for its magic.
result<std::optional<found_batch>> find_next(const io::file& f, int64_t from, int64_t size,
                                             int64_t min_offset, int64_t base) {
  static constexpr char pattern[5] = {'P', 'P', 'L', 'B', static_cast<char>(format::version)};
  batch_reader rd{f, size, scan_chunk};
  std::string buf;
  int64_t at = from;
  while (at + static_cast<int64_t>(format::header_size) <= size) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(scan_chunk, size - at));
    buf.resize(want);
    auto got = f.pread_some(buf.data(), want, at);
    if (!got) return got.error();
    if (*got < sizeof pattern) break;
    size_t i = 0;
    while (i + sizeof pattern <= *got) {
      const void* m = ::memmem(buf.data() + i, *got - i, pattern, sizeof pattern);
      if (!m) break;
      const size_t k = static_cast<size_t>(static_cast<const char*>(m) - buf.data());
      const int64_t q = at + static_cast<int64_t>(k);
      format::batch_header h;
      auto st = rd.header_at(q, h);
      if (!st) return st.error();
      if (*st == format::header_state::ok && h.base_offset >= min_offset &&
          h.last_offset() - base < std::numeric_limits<int32_t>::max() &&
          q + static_cast<int64_t>(h.size()) <= size) {
        auto bytes = rd.bytes_at(q, h.size());
        if (!bytes) return bytes.error();
        if (*bytes && format::crc_matches(*bytes, h.size())) {
          return std::optional<found_batch>{found_batch{q, h}};
        }
      }
      i = k + 1;
    }
    if (*got < want) break;
    at += static_cast<int64_t>(*got) - static_cast<int64_t>(sizeof pattern - 1);
  }
  return std::optional<found_batch>{};
}

/// Writes the header fields outside the CRC (magic, version, base offset, length) of a
/// batch of `n` bytes starting at `p`.
void put_prefix(char* p, int64_t base_offset, size_t n) {
  std::memcpy(p, format::magic, 4);
  p[4] = static_cast<char>(format::version);
  std::memcpy(p + format::base_offset_pos, &base_offset, 8);
  const auto length = static_cast<uint32_t>(n - format::length_end);
  std::memcpy(p + 13, &length, 4);
}

/// True when [pos, end) is one batch of offsets [first, next) whose CRC-covered bytes are
/// intact: only its magic, version, base offset or length were damaged. `h` gets the
/// corrected header.
result<bool> repairable(const io::file& f, int64_t pos, int64_t end, int64_t first, int64_t next,
                        format::batch_header& h) {
  const int64_t n = end - pos;
  if (n < static_cast<int64_t>(format::header_size) || n > format::max_batch_bytes) return false;
  std::string b(static_cast<size_t>(n), '\0');
  auto got = f.pread_some(b.data(), b.size(), pos);
  if (!got) return got.error();
  if (*got != b.size()) return false;
  put_prefix(b.data(), first, b.size());
  if (format::decode_header(b.data(), b.size(), h) != format::header_state::ok) return false;
  if (h.size() != b.size() || h.record_count != next - first) return false;
  if (!format::crc_matches(b.data(), b.size())) return false;
  return format::visit_records(b.data(), b.size(), first, [](const record_view&) { return true; })
      .ok();
}

} // namespace

result<segment_scan> scan_segment(const io::file& f, int64_t base, int64_t size, int64_t crc_from,
                                  const scan_visitor& on_batch) {
  batch_reader rd{f, size, scan_chunk};
  segment_scan out;
  int64_t pos = 0;
  int64_t expected = base;
  for (;;) {
    out.valid_end = pos;
    out.next_offset = expected;
    if (pos >= size) break;
    format::batch_header h;
    auto st = rd.header_at(pos, h);
    if (!st) return st.error();
    std::string why;
    if (*st != format::header_state::ok) {
      why = describe(*st);
    } else if (h.base_offset != expected) {
      why = "batch base offset " + std::to_string(h.base_offset) + " where " +
            std::to_string(expected) + " was expected";
    } else if (pos + static_cast<int64_t>(h.size()) > size) {
      why = "batch of " + std::to_string(h.size()) + " bytes runs past the end of the file";
    } else if (pos >= crc_from) {
      auto bytes = rd.bytes_at(pos, h.size());
      if (!bytes) return bytes.error();
      if (!*bytes || !format::crc_matches(*bytes, h.size())) {
        why = "CRC mismatch in the batch of offsets " + std::to_string(h.base_offset) + ".." +
              std::to_string(h.last_offset());
      }
    }
    if (why.empty()) {
      on_batch(h, pos);
      pos += static_cast<int64_t>(h.size());
      expected = h.last_offset() + 1;
      continue;
    }
    auto zeros = rd.all_zero_from(pos);
    if (!zeros) return zeros.error();
    if (*zeros) break; // the end of data (a preallocated or empty tail)
    auto next = find_next(f, pos + 1, size, expected, base);
    if (!next) return next.error();
    if (!*next) { // nothing verifies after it: a torn or garbage tail
      out.tail_zero = false;
      out.tail_reason = *st == format::header_state::zero ? "non-zero bytes after the end of data"
                                                           : why;
      break;
    }
    damaged_range d;
    d.pos = pos;
    d.end = (*next)->pos;
    d.first_offset = expected;
    d.next_offset = (*next)->h.base_offset;
    d.reason = why;
    format::batch_header fixed;
    auto rep = repairable(f, d.pos, d.end, d.first_offset, d.next_offset, fixed);
    if (!rep) return rep.error();
    d.repairable = *rep;
    if (d.repairable) on_batch(fixed, d.pos);
    out.damaged.push_back(std::move(d));
    pos = (*next)->pos;
    expected = (*next)->h.base_offset;
  }
  return out;
}

status repair_header(const io::file& f, const damaged_range& d) {
  char prefix[format::length_end];
  put_prefix(prefix, d.first_offset, static_cast<size_t>(d.end - d.pos));
  return f.pwrite_all(prefix, sizeof prefix, d.pos);
}

} // namespace pinpipe::storage
