#include "gateway/kinesis_ids.hpp"

#include <cstdio>

namespace pinpipe::gateway {
namespace {

bool parse_digits(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

} // namespace

std::string shard_id_string(int32_t shard) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012d", shard);
  return buf;
}

std::optional<int32_t> parse_shard_id(std::string_view text) {
  constexpr std::string_view prefix = "shardId-";
  if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  int64_t v = 0;
  if (!parse_digits(text, v) || v > INT32_MAX) return std::nullopt;
  return int32_t(v);
}

std::string encode_sequence_number(int32_t shard, int64_t offset) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "4%06d%020lld", shard, static_cast<long long>(offset));
  return buf;
}

std::optional<sequence_position> decode_sequence_number(std::string_view text) {
  if (text.size() != 27 || text[0] != '4') return std::nullopt;
  int64_t shard = 0;
  int64_t offset = 0;
  if (!parse_digits(text.substr(1, 6), shard)) return std::nullopt;
  // 20 digits do not fit parse_digits' 18-digit guard: the first two must be zero.
  if (text.substr(7, 2) != "00" || !parse_digits(text.substr(9, 18), offset)) return std::nullopt;
  return sequence_position{int32_t(shard), offset};
}

std::string encode_shard_iterator(const iterator_position& pos) {
  return base64_encode("pinpipe-it1|" + pos.stream + "|" + std::to_string(pos.shard) + "|" +
                       std::to_string(pos.offset));
}

std::optional<iterator_position> decode_shard_iterator(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  constexpr std::string_view prefix = "pinpipe-it1|";
  if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
  s.remove_prefix(prefix.size());
  auto p1 = s.find('|');
  if (p1 == std::string_view::npos) return std::nullopt;
  auto p2 = s.find('|', p1 + 1);
  if (p2 == std::string_view::npos) return std::nullopt;
  iterator_position pos;
  pos.stream = std::string(s.substr(0, p1));
  int64_t shard = 0;
  int64_t offset = 0;
  if (pos.stream.empty() || !parse_digits(s.substr(p1 + 1, p2 - p1 - 1), shard) ||
      shard > INT32_MAX || !parse_digits(s.substr(p2 + 1), offset)) {
    return std::nullopt;
  }
  pos.shard = int32_t(shard);
  pos.offset = offset;
  return pos;
}

} // namespace pinpipe::gateway
