// On-disk format of one Raft replica's files (docs/log-format.md, "Replica files
// (cluster)"). All integers are little-endian. Pure encode/decode functions; the files
// themselves are handled by raft_disk.
//
// <dir>/raft.state (21 bytes, replaced whole: write tmp, fsync, rename, fsync dir):
//   off size field
//    0   4   magic    "PPRS"
//    4   1   version  1
//    5   8   term     i64
//   13   4   vote     i32 (0: none)
//   17   4   crc      u32, CRC32C of bytes [0, 17)
//
// <dir>/raft.log: one header record, then one record per entry (batch), in offset order.
//   header:
//    0   4   magic    "PPRL"
//    4   1   version  1
//    5   4   length   u32, bytes of the body (after the crc)
//    9   4   crc      u32, CRC32C of the body
//   13       body: log_start i64 | prefix_term i64 | producer_count u32 |
//            producer_count x (producer_id i64 | batch_count u32 |
//                              batch_count x (first_seq i32 | last_seq i32 | base i64 | last i64))
//   entry record (45 bytes + payload):
//    0   4   length         u32, bytes after the crc field (37 + payload size)
//    4   4   crc            u32, CRC32C of the length field and of every byte after the crc
//    8   8   base           i64, first offset of the batch
//   16   8   last           i64, last offset (the Raft index)
//   24   8   term           i64
//   32   1   kind           u8 (0 data, 1 noop)
//   33   8   producer_id    i64 (-1: not idempotent)
//   41   4   base_sequence  i32 (-1: not idempotent)
//   45       payload        the encoded batch, opaque
//
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "raft/node.hpp"

namespace pinpipe::cluster::disk_format {

constexpr char state_magic[4] = {'P', 'P', 'R', 'S'};
constexpr char log_magic[4] = {'P', 'P', 'R', 'L'};
constexpr uint8_t version = 1;
constexpr size_t state_size = 21;
constexpr size_t log_header_fixed = 13; ///< magic, version, length, crc
constexpr size_t entry_prefix = 8;      ///< length and crc
constexpr size_t entry_fixed = 37;      ///< base .. base_sequence
constexpr size_t entry_header = entry_prefix + entry_fixed;
/// Largest payload accepted (a sanity bound against garbage lengths; the same bound as a
/// stored record batch).
constexpr uint32_t max_payload = 256u << 20;
/// Largest header body: bounds the producer snapshot a header may hold.
constexpr uint32_t max_header_body = 64u << 20;

/// The 21 bytes of raft.state.
std::string encode_state(const raft::hard_state& h);
/// Decodes raft.state; corrupt_data (without the path) when its size, magic, version or
/// CRC is wrong.
status decode_state(std::string_view bytes, raft::hard_state& out);

/// What the header of raft.log holds.
struct log_header {
  offset_t log_start{0};
  term_t prefix_term{0};
  raft::producer_snapshot producers;
};

/// The header record of raft.log.
std::string encode_log_header(const log_header& h);
/// Decodes the header at the start of `bytes`; sets `size` to its length in bytes.
/// corrupt_data (without the path) when it is short or damaged.
status decode_log_header(std::string_view bytes, log_header& out, size_t& size);
/// The whole size of the header starting at `bytes` (at least log_header_fixed bytes),
/// or 0 when its length field is out of range.
size_t log_header_size(std::string_view bytes);

/// Bytes the record of `e` takes.
inline size_t entry_size(const raft::entry& e) {
  return entry_header + e.payload.size();
}
/// Appends the record of `e` to `out`.
void append_entry(const raft::entry& e, std::string& out);

enum class record_check {
  ok,
  short_record, ///< the bytes end inside the record (a torn write)
  bad_length,   ///< the length field is out of range
  bad_crc,      ///< the CRC does not match
};
const char* to_string(record_check c);

/// Checks the record at the start of `bytes`; on ok and short_record sets `size` to the
/// record's whole size (when at least the length field is there).
record_check check_entry(std::string_view bytes, size_t& size);
/// Decodes a record that passed check_entry (its `size` bytes). corrupt_data (without the
/// path) when the kind is unknown.
status decode_entry(std::string_view record, raft::entry& out);

} // namespace pinpipe::cluster::disk_format
