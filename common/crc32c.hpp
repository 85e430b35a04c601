// CRC32C (Castagnoli), the checksum of every record batch on disk and of every
// envelope payload. Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pinpipe {

/// Extends `crc` (start with 0) over `n` bytes at `data`.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(const void* data, size_t n) {
  return crc32c_extend(0, data, n);
}

} // namespace pinpipe
