#include "cluster/raft_disk_format.hpp"

#include <cstring>

#include "common/byte_io.hpp"
#include "common/crc32c.hpp"

namespace pinpipe::cluster::disk_format {
namespace {

// Little-endian hosts only (x86-64, arm64), like storage/format.cpp.
template <class T> void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
using bytes::get_at;
using bytes::put_at;
using bytes::reader;

uint32_t entry_crc(const char* record, size_t size) {
  uint32_t crc = crc32c(record, 4); // the length field
  return crc32c_extend(crc, record + entry_prefix, size - entry_prefix);
}

} // namespace

std::string encode_state(const raft::hard_state& h) {
  std::string out;
  out.reserve(state_size);
  out.append(state_magic, 4);
  put<uint8_t>(out, version);
  put<int64_t>(out, h.term.value);
  put<int32_t>(out, h.vote.value);
  put<uint32_t>(out, crc32c(out.data(), out.size()));
  return out;
}

status decode_state(std::string_view b, raft::hard_state& out) {
  if (b.size() != state_size)
    return {errc::corrupt_data,
            "has " + std::to_string(b.size()) + " bytes instead of " + std::to_string(state_size)};
  if (std::memcmp(b.data(), state_magic, 4) != 0)
    return {errc::corrupt_data, "does not start with the magic \"PPRS\""};
  if (static_cast<uint8_t>(b[4]) != version)
    return {errc::corrupt_data, "has version " + std::to_string(static_cast<uint8_t>(b[4])) +
                                    " (this build reads version 1)"};
  if (get_at<uint32_t>(b.data() + 17) != crc32c(b.data(), 17))
    return {errc::corrupt_data, "fails its CRC"};
  out.term = term_t{get_at<int64_t>(b.data() + 5)};
  out.vote = node_id{get_at<int32_t>(b.data() + 13)};
  if (out.term.value < 0 || out.vote.value < 0)
    return {errc::corrupt_data, "holds a negative term or vote"};
  return status::success();
}

std::string encode_log_header(const log_header& h) {
  std::string body;
  put<int64_t>(body, h.log_start.value);
  put<int64_t>(body, h.prefix_term.value);
  put<uint32_t>(body, static_cast<uint32_t>(h.producers.size()));
  for (const raft::producer_state& p : h.producers) {
    put<int64_t>(body, p.producer_id);
    put<uint32_t>(body, static_cast<uint32_t>(p.recent.size()));
    for (const raft::producer_batch& b : p.recent) {
      put<int32_t>(body, b.first_seq);
      put<int32_t>(body, b.last_seq);
      put<int64_t>(body, b.base.value);
      put<int64_t>(body, b.last.value);
    }
  }
  std::string out;
  out.reserve(log_header_fixed + body.size());
  out.append(log_magic, 4);
  put<uint8_t>(out, version);
  put<uint32_t>(out, static_cast<uint32_t>(body.size()));
  put<uint32_t>(out, crc32c(body.data(), body.size()));
  out += body;
  return out;
}

size_t log_header_size(std::string_view b) {
  if (b.size() < log_header_fixed) return 0;
  const uint32_t len = get_at<uint32_t>(b.data() + 5);
  if (len < 20 || len > max_header_body) return 0;
  return log_header_fixed + len;
}

status decode_log_header(std::string_view b, log_header& out, size_t& size) {
  if (b.size() < log_header_fixed)
    return {errc::corrupt_data,
            "is shorter than its header (" + std::to_string(b.size()) + " bytes)"};
  if (std::memcmp(b.data(), log_magic, 4) != 0)
    return {errc::corrupt_data, "does not start with the magic \"PPRL\""};
  if (static_cast<uint8_t>(b[4]) != version)
    return {errc::corrupt_data, "has version " + std::to_string(static_cast<uint8_t>(b[4])) +
                                    " (this build reads version 1)"};
  size = log_header_size(b);
  if (size == 0) return {errc::corrupt_data, "has a header length out of range"};
  if (b.size() < size) return {errc::corrupt_data, "ends inside its header"};
  const char* body = b.data() + log_header_fixed;
  const size_t body_len = size - log_header_fixed;
  if (get_at<uint32_t>(b.data() + 9) != crc32c(body, body_len))
    return {errc::corrupt_data, "has a header that fails its CRC"};
  reader r{body, body + body_len};
  int64_t start = 0, prefix = 0;
  uint32_t count = 0;
  r.get(start), r.get(prefix), r.get(count);
  if (start < 0 || prefix < 0)
    return {errc::corrupt_data, "has a negative log_start or prefix_term in its header"};
  out.log_start = offset_t{start};
  out.prefix_term = term_t{prefix};
  out.producers.clear();
  for (uint32_t i = 0; i < count; ++i) {
    raft::producer_state p;
    uint32_t batches = 0;
    if (!r.get(p.producer_id) || !r.get(batches) || batches > raft::producer_history)
      return {errc::corrupt_data, "has a producer snapshot that does not decode"};
    for (uint32_t k = 0; k < batches; ++k) {
      raft::producer_batch pb;
      int64_t base = 0, last = 0;
      if (!r.get(pb.first_seq) || !r.get(pb.last_seq) || !r.get(base) || !r.get(last))
        return {errc::corrupt_data, "has a producer snapshot that does not decode"};
      pb.base = offset_t{base};
      pb.last = offset_t{last};
      p.recent.push_back(pb);
    }
    out.producers.push_back(std::move(p));
  }
  if (r.p != r.end) return {errc::corrupt_data, "has trailing bytes in its header"};
  return status::success();
}

void append_entry(const raft::entry& e, std::string& out) {
  const size_t at = out.size();
  out.resize(at + entry_header);
  char* p = &out[at];
  put_at<uint32_t>(p, static_cast<uint32_t>(entry_fixed + e.payload.size()));
  put_at<int64_t>(p + 8, e.base.value);
  put_at<int64_t>(p + 16, e.last.value);
  put_at<int64_t>(p + 24, e.term.value);
  put_at<uint8_t>(p + 32, static_cast<uint8_t>(e.kind));
  put_at<int64_t>(p + 33, e.producer_id);
  put_at<int32_t>(p + 41, e.base_sequence);
  out += e.payload;
  p = &out[at];
  put_at<uint32_t>(p + 4, entry_crc(p, entry_header + e.payload.size()));
}

const char* to_string(record_check c) {
  switch (c) {
  case record_check::ok:
    return "ok";
  case record_check::short_record:
    return "the file ends inside the record";
  case record_check::bad_length:
    return "its length field is out of range";
  case record_check::bad_crc:
    return "its CRC does not match";
  }
  return "?";
}

record_check check_entry(std::string_view b, size_t& size) {
  if (b.size() < 4) return record_check::short_record;
  const uint32_t len = get_at<uint32_t>(b.data());
  if (len < entry_fixed || len > entry_fixed + max_payload) return record_check::bad_length;
  size = entry_prefix + len;
  if (b.size() < size) return record_check::short_record;
  if (get_at<uint32_t>(b.data() + 4) != entry_crc(b.data(), size)) return record_check::bad_crc;
  return record_check::ok;
}

status decode_entry(std::string_view rec, raft::entry& out) {
  const char* p = rec.data();
  const uint8_t kind = get_at<uint8_t>(p + 32);
  if (kind > static_cast<uint8_t>(raft::entry_kind::noop))
    return {errc::corrupt_data, "has an entry of unknown kind " + std::to_string(kind)};
  out.base = offset_t{get_at<int64_t>(p + 8)};
  out.last = offset_t{get_at<int64_t>(p + 16)};
  out.term = term_t{get_at<int64_t>(p + 24)};
  out.kind = static_cast<raft::entry_kind>(kind);
  out.producer_id = get_at<int64_t>(p + 33);
  out.base_sequence = get_at<int32_t>(p + 41);
  out.payload.assign(p + entry_header, rec.size() - entry_header);
  return status::success();
}

} // namespace pinpipe::cluster::disk_format
