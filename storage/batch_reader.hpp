// Buffered sequential reader of record batches in a segment file region [.., end):
// reads large chunks with pread and hands out headers and whole batches. Shared by
// recovery, index rebuilds and fetches. A header that is all zeros is the end of data.
//
// Threading: one reader per thread; the file may be appended to beyond `end` meanwhile.
#pragma once

#include <string>

#include "common/status.hpp"
#include "storage/file_io.hpp"
#include "storage/format.hpp"

namespace pinpipe::storage {

class batch_reader {
public:
  batch_reader(const io::file& f, int64_t end, size_t chunk) : f_(f), end_(end), chunk_(chunk) {}

  /// Decodes the header at `pos`. A region shorter than a header is `zero` when it is
  /// all zeros and `bad_length` (torn) otherwise.
  result<format::header_state> header_at(int64_t pos, format::batch_header& h);
  /// The `n` bytes at `pos` (valid until the next call); nullptr when the file ends first.
  result<const char*> bytes_at(int64_t pos, size_t n);
  /// True when every byte of [pos, end) is zero (a preallocated tail).
  result<bool> all_zero_from(int64_t pos);

private:
  result<bool> ensure(int64_t pos, size_t n);

  const io::file& f_;
  int64_t end_;
  size_t chunk_;
  std::string buf_;
  int64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
};

} // namespace pinpipe::storage
