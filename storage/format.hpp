// On-disk record batch format of the file log (docs/log-format.md has a worked byte
// example). A segment file is a sequence of batches; all integers are little-endian.
//
// Batch header (63 bytes):
//   off size field
//    0   4   magic            "PPLB" (0x50 0x50 0x4C 0x42)
//    4   1   version          1
//    5   8   base_offset      i64, offset of the first record
//   13   4   length           u32, bytes after this field (batch size - 17)
//   17   4   crc              u32, CRC32C of every byte after this field (from 21 to end)
//   21   8   leader_term      i64, 0 on a single node
//   29   4   record_count     i32, >= 1
//   33   8   first_timestamp  i64, ms since epoch, of the first record
//   41   8   max_timestamp    i64, largest record timestamp
//   49   8   producer_id      i64, -1 when not idempotent
//   57   4   base_sequence    i32, -1 when not idempotent
//   61   2   attributes       u16, 0 (no compression; bits reserved)
// Records follow, record_count of them, offsets base_offset + i:
//   u8 key_present (0/1) | [u32 key_len | key] | u32 value_len | value |
//   i64 timestamp_delta (vs first_timestamp) | u16 header_count |
//   header_count x (u16 name_len | name | u32 value_len | value)
//
// base_offset sits before the CRC so the writer can encode and checksum a batch outside
// the partition lock and patch the offset in afterwards. A zero magic marks the end of
// data (segments are zero-filled ahead of the write position).
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/log.hpp"

namespace pinpipe::storage::format {

constexpr uint8_t magic[4] = {'P', 'P', 'L', 'B'};
constexpr uint8_t version = 1;
constexpr size_t header_size = 63;
constexpr size_t length_end = 17; ///< `length` counts the bytes from here on
constexpr size_t crc_pos = 17;
constexpr size_t crc_end = 21; ///< the CRC covers bytes [crc_end, end)
constexpr size_t base_offset_pos = 5;
/// Largest batch accepted by the decoder (a sanity bound against garbage lengths).
constexpr uint32_t max_batch_bytes = 256u << 20;

struct batch_header {
  int64_t base_offset = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
  int64_t leader_term = 0;
  int32_t record_count = 0;
  int64_t first_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int32_t base_sequence = -1;
  uint16_t attributes = 0;

  /// Whole batch size in bytes (header and records).
  size_t size() const { return length_end + length; }
  int64_t last_offset() const { return base_offset + record_count - 1; }
};

/// Bytes one record takes encoded.
size_t encoded_record_size(const record& r);

/// Encodes `records` (timestamps already assigned, none 0) as one batch into `out`
/// (cleared first; one allocation at most). Returns the header written.
batch_header encode_batch(const std::vector<record>& records, int64_t base_offset,
                          int64_t leader_term, int64_t producer_id, int32_t base_sequence,
                          std::string& out);

/// Rewrites the base offset of an encoded batch (not covered by the CRC).
void set_base_offset(std::string& batch, int64_t base_offset);

enum class header_state {
  ok,
  zero,      ///< the bytes are zeros: end of data
  bad_magic, ///< not a batch start
  bad_version,
  bad_length ///< length or record count out of range
};

/// Parses a header from at least `header_size` bytes; no CRC check.
header_state decode_header(const char* p, size_t n, batch_header& h);

/// True when the CRC of a whole batch (header_size.. bytes incl. records) matches.
bool crc_matches(const char* batch, size_t n);

/// Bytes one record takes encoded, from its view.
size_t encoded_record_size(const record_view& r);

/// Hands the records of a whole batch (CRC already checked) with offset >= `from` to `fn`,
/// as views into `batch`, until `fn` returns false. The batch is checked whole before the
/// first call: corrupt_data if its record bytes do not add up, and then `fn` was not
/// called at all.
status visit_records(const char* batch, size_t n, int64_t from, const record_visitor& fn);

/// Decodes the records of a whole batch (CRC already checked), appending those with
/// offset >= `from` to `out`. corrupt_data if the record bytes do not add up.
status decode_records(const char* batch, size_t n, int64_t from, std::vector<stored_record>& out);

} // namespace pinpipe::storage::format
