#include "storage/batch_reader.hpp"

#include <algorithm>

namespace pinpipe::storage {

result<bool> batch_reader::ensure(int64_t pos, size_t n) {
  if (pos >= buf_pos_ &&
      pos + static_cast<int64_t>(n) <= buf_pos_ + static_cast<int64_t>(buf_len_)) {
    return true;
  }
  if (pos + static_cast<int64_t>(n) > end_) return false;
  const size_t want = static_cast<size_t>(std::min<int64_t>(std::max(n, chunk_), end_ - pos));
  if (buf_.size() < want) buf_.resize(want);
  auto got = f_.pread_some(buf_.data(), want, pos);
  if (!got) return got.error();
  buf_pos_ = pos;
  buf_len_ = *got;
  return *got >= n;
}

result<format::header_state> batch_reader::header_at(int64_t pos, format::batch_header& h) {
  const int64_t avail = end_ - pos;
  if (avail <= 0) return format::header_state::zero;
  if (avail < static_cast<int64_t>(format::header_size)) {
    auto z = all_zero_from(pos);
    if (!z) return z.error();
    return *z ? format::header_state::zero : format::header_state::bad_length;
  }
  auto ok = ensure(pos, format::header_size);
  if (!ok) return ok.error();
  if (!*ok) return format::header_state::bad_length;
  return format::decode_header(buf_.data() + (pos - buf_pos_), format::header_size, h);
}

result<const char*> batch_reader::bytes_at(int64_t pos, size_t n) {
  auto ok = ensure(pos, n);
  if (!ok) return ok.error();
  if (!*ok) return static_cast<const char*>(nullptr);
  return static_cast<const char*>(buf_.data() + (pos - buf_pos_));
}

result<bool> batch_reader::all_zero_from(int64_t pos) {
  while (pos < end_) {
    const size_t n = static_cast<size_t>(std::min<int64_t>(end_ - pos, 1 << 20));
    auto ok = ensure(pos, n);
    if (!ok) return ok.error();
    if (!*ok) return false;
    const char* p = buf_.data() + (pos - buf_pos_);
    if (std::any_of(p, p + n, [](char c) { return c != 0; })) return false;
    pos += static_cast<int64_t>(n);
  }
  return true;
}

} // namespace pinpipe::storage
