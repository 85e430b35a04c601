// The two per-segment indexes of the file log. Both are rebuildable from the segment,
// so they are written without fsync and validated (or rebuilt) on open. New entries are
// kept in memory and written in groups of `write_every` (and by flush(), which seal and
// the segment's destructor call): each write grows the index file, and a grown inode is
// written by the next fdatasync of any file whose inode shares its inode-table block
// (ext4 without a journal, this machine's root file system), the acks' segment included.
// Entries lost in a crash only make recovery CRC-check a little more of the segment.
//
//   .index      sparse offset index, 8-byte entries, little-endian:
//               u32 relative offset (record offset - segment base) | u32 file position
//               One entry per log_config::index_interval_bytes of batches, pointing at a
//               batch start. Both fields strictly increase.
//   .timeindex  12-byte entries: i64 timestamp T | u32 relative offset X, meaning "every
//               record of this segment with offset < base + X has a timestamp <= T".
//               Written with the offset index entries and, when a segment is closed, a
//               final entry (segment max timestamp, record count) that marks it complete.
//
// Threading: not synchronised; the partition lock guards mutation and lookups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/file_io.hpp"

namespace pinpipe::storage {

struct offset_entry {
  uint32_t rel = 0;
  uint32_t pos = 0;
};
struct time_entry {
  int64_t ts = 0;
  uint32_t rel = 0;
};

/// Entries an index keeps in memory before writing them to its file.
inline constexpr size_t index_write_every = 256;

class offset_index {
public:
  static constexpr size_t entry_size = 8;
  /// Opens (creating) the file and loads its entries; `valid` false when the content is
  /// not a well-formed index of a segment of `segment_size` bytes (the caller rebuilds).
  status open(const std::string& path, int64_t segment_size, bool& valid);
  /// Appends one entry in memory; writes the unwritten ones once there are
  /// index_write_every of them (an error leaves them to the next write).
  status append(uint32_t rel, uint32_t pos);
  /// Writes every entry not yet in the file (no fsync).
  status flush();
  /// Replaces all entries (after a rebuild) and rewrites the file.
  status reset(std::vector<offset_entry> entries);
  /// Position of the last entry with rel <= `rel` (0 when none).
  uint32_t lookup(uint32_t rel) const;
  const std::vector<offset_entry>& entries() const { return entries_; }
  status flush_sync() const { return file_.sync(); }
  void close() { file_.close(); }
  const std::string& path() const { return file_.path(); }

private:
  io::file file_;
  std::vector<offset_entry> entries_;
  size_t written_ = 0; ///< entries_[0, written_) are in the file
};

class time_index {
public:
  static constexpr size_t entry_size = 12;
  status open(const std::string& path, bool& valid);
  status append(int64_t ts, uint32_t rel);
  status flush();
  status reset(std::vector<time_entry> entries);
  /// Relative offset from which to search for the first timestamp >= ts: the X of the
  /// last entry with T < ts (0 when none).
  uint32_t lookup(int64_t ts) const;
  const std::vector<time_entry>& entries() const { return entries_; }
  status flush_sync() const { return file_.sync(); }
  void close() { file_.close(); }

private:
  io::file file_;
  std::vector<time_entry> entries_;
  size_t written_ = 0;
};

} // namespace pinpipe::storage
