#include "storage/format.hpp"

#include <cstdint>
#include <cstring>

#include "common/byte_io.hpp"
#include "common/crc32c.hpp"

namespace pinpipe::storage::format {
namespace {

// Little-endian helpers. The build targets little-endian hosts (x86-64, arm64); a
// static_assert-free byte-by-byte version would be needed for big-endian ones.
template <class T> void put(char*& p, T v) {
  std::memcpy(p, &v, sizeof(T));
  p += sizeof(T);
}
void put_bytes(char*& p, const std::string& s) {
  std::memcpy(p, s.data(), s.size());
  p += s.size();
}
using bytes::get_at;
using bytes::reader; // bounds-checked, over the record bytes of a batch

} // namespace

size_t encoded_record_size(const record& r) {
  size_t n = 1 + (r.key ? 4 + r.key->size() : 0) + 4 + r.value.size() + 8 + 2;
  for (const auto& h : r.headers)
    n += 2 + h.first.size() + 4 + h.second.size();
  return n;
}

batch_header encode_batch(const std::vector<record>& records, int64_t base_offset,
                          int64_t leader_term, int64_t producer_id, int32_t base_sequence,
                          std::string& out) {
  size_t total = header_size;
  int64_t max_ts = records.empty() ? 0 : records.front().timestamp_ms;
  for (const auto& r : records) {
    total += encoded_record_size(r);
    max_ts = std::max(max_ts, r.timestamp_ms);
  }
  batch_header h;
  h.base_offset = base_offset;
  h.length = static_cast<uint32_t>(total - length_end);
  h.leader_term = leader_term;
  h.record_count = static_cast<int32_t>(records.size());
  h.first_timestamp = records.empty() ? 0 : records.front().timestamp_ms;
  h.max_timestamp = max_ts;
  h.producer_id = producer_id;
  h.base_sequence = base_sequence;

  out.resize(total);
  char* p = out.data();
  std::memcpy(p, magic, 4);
  p += 4;
  put<uint8_t>(p, version);
  put<int64_t>(p, h.base_offset);
  put<uint32_t>(p, h.length);
  put<uint32_t>(p, 0); // crc, below
  put<int64_t>(p, h.leader_term);
  put<int32_t>(p, h.record_count);
  put<int64_t>(p, h.first_timestamp);
  put<int64_t>(p, h.max_timestamp);
  put<int64_t>(p, h.producer_id);
  put<int32_t>(p, h.base_sequence);
  put<uint16_t>(p, h.attributes);
  for (const auto& r : records) {
    put<uint8_t>(p, r.key ? 1 : 0);
    if (r.key) {
      put<uint32_t>(p, static_cast<uint32_t>(r.key->size()));
      put_bytes(p, *r.key);
    }
    put<uint32_t>(p, static_cast<uint32_t>(r.value.size()));
    put_bytes(p, r.value);
    put<int64_t>(p, r.timestamp_ms - h.first_timestamp);
    put<uint16_t>(p, static_cast<uint16_t>(r.headers.size()));
    for (const auto& hd : r.headers) {
      put<uint16_t>(p, static_cast<uint16_t>(hd.first.size()));
      put_bytes(p, hd.first);
      put<uint32_t>(p, static_cast<uint32_t>(hd.second.size()));
      put_bytes(p, hd.second);
    }
  }
  h.crc = crc32c(out.data() + crc_end, total - crc_end);
  std::memcpy(out.data() + crc_pos, &h.crc, 4);
  return h;
}

void set_base_offset(std::string& batch, int64_t base_offset) {
  std::memcpy(batch.data() + base_offset_pos, &base_offset, 8);
}

header_state decode_header(const char* p, size_t n, batch_header& h) {
  if (n < header_size) return header_state::bad_length;
  if (get_at<uint32_t>(p) == 0) return header_state::zero;
  if (std::memcmp(p, magic, 4) != 0) return header_state::bad_magic;
  if (static_cast<uint8_t>(p[4]) != version) return header_state::bad_version;
  h.base_offset = get_at<int64_t>(p + 5);
  h.length = get_at<uint32_t>(p + 13);
  h.crc = get_at<uint32_t>(p + 17);
  h.leader_term = get_at<int64_t>(p + 21);
  h.record_count = get_at<int32_t>(p + 29);
  h.first_timestamp = get_at<int64_t>(p + 33);
  h.max_timestamp = get_at<int64_t>(p + 41);
  h.producer_id = get_at<int64_t>(p + 49);
  h.base_sequence = get_at<int32_t>(p + 57);
  h.attributes = get_at<uint16_t>(p + 61);
  // The smallest record is 15 bytes (no key, empty value, no headers).
  if (h.length < header_size - length_end || h.length > max_batch_bytes || h.record_count < 1 ||
      static_cast<uint64_t>(h.record_count) * 15 > h.length - (header_size - length_end) ||
      h.base_offset < 0 || h.base_offset > INT64_MAX - h.record_count) {
    return header_state::bad_length;
  }
  return header_state::ok;
}

bool crc_matches(const char* batch, size_t n) {
  if (n < header_size) return false;
  return crc32c(batch + crc_end, n - crc_end) == get_at<uint32_t>(batch + crc_pos);
}

size_t encoded_record_size(const record_view& r) {
  size_t n = 1 + (r.has_key ? 4 + r.key.size() : 0) + 4 + r.value.size() + 8 + 2;
  for (const auto& h : r.headers)
    n += 2 + h.first.size() + 4 + h.second.size();
  return n;
}

namespace {

/// One pass over the records of a batch: with `fn` empty it only checks that they add up.
status walk_records(const char* batch, size_t n, const batch_header& h, int64_t from,
                    const record_visitor* fn) {
  reader rd{batch + header_size, batch + n};
  record_view v;
  auto take = [&](size_t len, std::string_view& out) {
    if (static_cast<size_t>(rd.end - rd.p) < len) return false;
    out = std::string_view(rd.p, len);
    rd.p += len;
    return true;
  };
  for (int32_t i = 0; i < h.record_count; ++i) {
    uint8_t key_present = 0;
    uint32_t len = 0;
    bool ok = rd.get(key_present) && key_present <= 1;
    v.has_key = ok && key_present == 1;
    v.key = {};
    if (ok && v.has_key) ok = rd.get(len) && take(len, v.key);
    ok = ok && rd.get(len) && take(len, v.value);
    int64_t delta = 0;
    uint16_t nh = 0;
    ok = ok && rd.get(delta) && rd.get(nh);
    v.headers.clear();
    for (uint16_t j = 0; ok && j < nh; ++j) {
      uint16_t nl = 0;
      std::string_view name, value;
      ok = rd.get(nl) && take(nl, name) && rd.get(len) && take(len, value);
      if (ok) v.headers.emplace_back(name, value);
    }
    if (!ok) {
      return {errc::corrupt_data, "record " + std::to_string(i) + " of the batch at offset " +
                                      std::to_string(h.base_offset) + " runs past the batch end"};
    }
    const int64_t off = h.base_offset + i;
    if (fn && off >= from) {
      v.offset = offset_t{off};
      // Wraps instead of overflowing (undefined) on a forged delta; a sane batch never wraps.
      v.timestamp_ms = static_cast<int64_t>(static_cast<uint64_t>(h.first_timestamp) +
                                            static_cast<uint64_t>(delta));
      if (!(*fn)(v)) return status::success();
    }
  }
  if (rd.p != rd.end) {
    return {errc::corrupt_data, "the batch at offset " + std::to_string(h.base_offset) +
                                    " has trailing bytes after its records"};
  }
  return status::success();
}

} // namespace

status visit_records(const char* batch, size_t n, int64_t from, const record_visitor& fn) {
  batch_header h;
  if (decode_header(batch, n, h) != header_state::ok || h.size() != n) {
    return {errc::corrupt_data, "batch header does not decode"};
  }
  if (auto st = walk_records(batch, n, h, from, nullptr); !st) return st;
  return walk_records(batch, n, h, from, &fn);
}

status decode_records(const char* batch, size_t n, int64_t from, std::vector<stored_record>& out) {
  return visit_records(batch, n, from, [&out](const record_view& v) {
    out.push_back(to_stored(v));
    return true;
  });
}

} // namespace pinpipe::storage::format
