// Little-endian fixed-width fields in byte buffers, for the on-disk formats (the log's
// batches, storage/format.cpp; a replica's files, cluster/raft_disk_format.cpp). The build
// targets little-endian hosts (x86-64, arm64): values are copied as they lie in memory.
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <cstring>

namespace pinpipe::bytes {

/// Writes `v` at `p` (sizeof(T) bytes).
template <class T> void put_at(char* p, T v) { std::memcpy(p, &v, sizeof(T)); }

/// Reads a T from `p` (sizeof(T) bytes; no alignment needed).
template <class T> T get_at(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// Bounds-checked sequential reader over [p, end): get() is false, and reads nothing,
/// when fewer than sizeof(T) bytes are left.
struct reader {
  const char* p;
  const char* end;
  template <class T> bool get(T& v) {
    if (static_cast<std::size_t>(end - p) < sizeof(T)) return false;
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    return true;
  }
};

} // namespace pinpipe::bytes
