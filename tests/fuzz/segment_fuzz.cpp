// Fuzz target: the segment and batch readers (storage/format.hpp, segment_scan.hpp,
// batch_reader.hpp) on arbitrary bytes. The input is read (1) in memory, batch by batch,
// with decode_header / crc_matches / decode_records, and decode_records on the whole input
// as if its CRC had matched; (2) as a segment file (first offset 0) walked by
// scan_segment, the walk recovery, index rebuilds and `pinpipe log verify` share.
// Properties: no crash; the walk believes only batches whose bytes are in the file, whose
// CRC matches and whose records add up; positions and offsets only move forward;
// valid_end and every damaged range lie inside the file.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_io.hpp"
#include "storage/format.hpp"
#include "storage/segment_scan.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/fuzz/scratch_dir.hpp"

using namespace pinpipe;
using namespace pinpipe::storage;
using pinpipe::fuzz::fuzz_check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::quiet_logs();
  const char* p = reinterpret_cast<const char*>(data);

  // (1) In memory.
  std::vector<stored_record> recs;
  (void)format::decode_records(p, size, 0, recs);
  size_t pos = 0;
  while (pos < size) {
    format::batch_header h;
    if (format::decode_header(p + pos, size - pos, h) != format::header_state::ok) break;
    if (h.size() > size - pos || !format::crc_matches(p + pos, h.size())) break;
    recs.clear();
    if (format::decode_records(p + pos, h.size(), h.base_offset, recs).ok())
      fuzz_check(recs.size() == static_cast<size_t>(h.record_count),
                 "a batch that decodes has record_count records");
    pos += h.size();
  }

  // (2) As a segment file.
  static const std::string path = fuzz::scratch_dir() + "/00000000000000000000.log";
  auto f = io::file::open_rw(path, true);
  fuzz_check(f.ok(), "the scratch segment opens");
  fuzz_check(f->truncate(0).ok() && (size == 0 || f->pwrite_all(p, size, 0).ok()),
             "the scratch segment is written");
  int64_t last_pos = -1, next_offset = 0;
  auto scan = scan_segment(*f, 0, static_cast<int64_t>(size), 0,
                           [&](const format::batch_header& h, int64_t at) {
                             fuzz_check(at > last_pos, "batches are visited in file order");
                             fuzz_check(at >= 0 && at + int64_t(h.size()) <= int64_t(size),
                                        "a believed batch lies inside the file");
                             fuzz_check(h.base_offset >= next_offset,
                                        "offsets never go back");
                             fuzz_check(format::crc_matches(p + at, h.size()),
                                        "a believed batch's CRC matches");
                             last_pos = at;
                             next_offset = h.base_offset + h.record_count;
                           });
  if (scan) {
    fuzz_check(scan->valid_end >= 0 && scan->valid_end <= int64_t(size),
               "valid_end lies inside the file");
    int64_t prev_end = 0;
    for (const auto& d : scan->damaged) {
      fuzz_check(d.pos >= prev_end && d.pos < d.end && d.end <= int64_t(size),
                 "damaged ranges are ordered and inside the file");
      fuzz_check(d.first_offset <= d.next_offset, "a damaged range's offsets go forward");
      fuzz_check(!d.reason.empty(), "damage says why");
      prev_end = d.end;
    }
    fuzz_check(scan->tail_zero || !scan->tail_reason.empty(), "a non-zero tail says why");
  }
  return 0;
}
