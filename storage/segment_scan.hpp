// Walking the batches of a segment file, trusting no length it has not verified: shared
// by recovery of the active segment, index rebuilds of closed segments and
// `pinpipe log verify` (docs/log-format.md, "Recovery").
//
// A batch is believed when its header is sane (magic, version, length and record count
// in range, base offset continuing the previous batch), it fits in the file and its CRC
// matches. The first batch that fails is "damage". What follows it decides what it is:
//  - only zeros, or nothing that verifies: the tail (a torn write); recovery cuts it;
//  - a verified batch further on (found by scanning byte by byte for a header whose
//    CRC matches and whose base offset does not go back): damage in the middle. The walk
//    goes on from there, so verified batches are never dropped and their offsets never
//    reused. When the damaged bytes are one batch whose CRC-covered part still matches
//    and only header fields outside the CRC (magic, version, base offset, length) are
//    wrong, the batch is `repairable`: its records are intact and recovery rewrites the
//    header (repair_header); otherwise its offsets are lost and fetches of them fail with
//    corrupt_data naming the file and byte.
//
// Threading: reads the file with pread only; repair_header writes one header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/file_io.hpp"
#include "storage/format.hpp"

namespace pinpipe::storage {

/// Damaged bytes in the middle of a segment, followed by a verified batch.
struct damaged_range {
  int64_t pos = 0;          ///< file position where the damage starts (a batch start)
  int64_t end = 0;          ///< file position of the next verified batch
  int64_t first_offset = 0; ///< offsets [first_offset, next_offset) were stored there
  int64_t next_offset = 0;  ///< base offset of the next verified batch
  std::string reason;       ///< why the batch at `pos` failed
  bool repairable = false;  ///< one batch, records intact, only unprotected header fields wrong
};

struct segment_scan {
  int64_t valid_end = 0;   ///< position after the last verified batch
  int64_t next_offset = 0; ///< offset after the last verified batch
  std::vector<damaged_range> damaged;
  bool tail_zero = true;   ///< [valid_end, size) is all zeros (or empty)
  std::string tail_reason; ///< why the walk stopped at valid_end, when the tail is not zeros
};

/// Called for every verified batch, in file order. For a repairable batch `h` is the
/// corrected header.
using scan_visitor = std::function<void(const format::batch_header& h, int64_t pos)>;

/// Walks the batches of [0, size) of a segment whose first offset is `base`. CRCs are
/// checked from `crc_from` on (0: all; batches before it are believed on their header
/// alone, as long as the next header continues them).
result<segment_scan> scan_segment(const io::file& f, int64_t base, int64_t size, int64_t crc_from,
                                  const scan_visitor& on_batch);

/// Rewrites the header fields outside the CRC of a repairable damaged batch (no fsync).
status repair_header(const io::file& f, const damaged_range& d);

} // namespace pinpipe::storage
