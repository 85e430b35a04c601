// One segment of a partition: an append-only file of record batches (storage/format.hpp)
// named by its base offset, plus its sparse offset index and time index
// (storage/index.hpp). The last segment of a partition is the active one (appends go
// there, zero-filled ahead of the write position when preallocation is on); the others
// are closed (sealed: preallocated tail cut off, final time index entry written, fsynced).
//
// Lifecycle: `create` (new active) or `recover_active` / `open_closed` on start; `seal`
// when the partition rolls; `remove_files` when retention drops it.
// Threading: the owning partition's lock must be held for append/seal/lookup_* and for
// reading size()/next_offset() of the active segment; read()/find_timestamp() only use
// pread on [pos, end) and may run concurrently with appends beyond `end`. Segments are
// held by shared_ptr so a reader keeps a deleted segment's fd alive.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"
#include "storage/file_io.hpp"
#include "storage/format.hpp"
#include "storage/index.hpp"
#include "storage/producer_state.hpp"
#include "storage/segment_scan.hpp"

namespace pinpipe::storage {

class preallocator;
class fd_cache;

struct segment_settings {
  int32_t index_interval_bytes = 4096;
  bool preallocate = true;
  /// Zero-filled window ahead of the writes: starts at prealloc_initial and doubles each
  /// time the writes have used half of it, up to prealloc_ahead. A partition that writes
  /// little keeps a small file; a busy one soon has the whole window.
  int64_t prealloc_initial = 64LL << 10;
  int64_t prealloc_ahead = 4LL << 20;  ///< the largest window
  int64_t prealloc_piece = 1LL << 20;  ///< zero-filled and fdatasynced at a time (at most)
  int64_t segment_bytes = 128LL << 20; ///< no preallocation past this size
  preallocator* pre = nullptr;         ///< does the zero-filling (none: no preallocation)
  /// Opens the files of closed segments on demand (none: closed segments keep theirs).
  fd_cache* fds = nullptr;
  /// Zero-fill only while the fsyncs are small: on average under this many bytes each,
  /// and no more than 4x this written since the last one. A small fsync over zero-filled
  /// blocks skips writing the inode; a large one pays more for writing its bytes twice
  /// (zeros, then data) than that saves, and writes that are not fsynced (acks=1) gain
  /// nothing from it.
  int64_t prealloc_max_commit = 16LL << 10;
};

class segment : public std::enable_shared_from_this<segment> {
public:
  /// A new, empty active segment (files created; the caller fsyncs the directory).
  static result<std::shared_ptr<segment>> create(const std::string& pdir, offset_t base,
                                                 const segment_settings& s);
  /// Opens the last segment of a partition: walks and CRC-checks every batch (rebuilding
  /// the producer state and both indexes; storage/segment_scan.hpp), repairs or keeps
  /// track of damage in the middle, and truncates a tail after which nothing verifies
  /// (a torn write).
  static result<std::shared_ptr<segment>> recover_active(const std::string& pdir, offset_t base,
                                                         const segment_settings& s,
                                                         producer_state& producers);
  /// Opens a closed segment whose successor starts at `next`; rebuilds missing or
  /// damaged indexes (reporting, never truncating, corrupt batches).
  static result<std::shared_ptr<segment>> open_closed(const std::string& pdir, offset_t base,
                                                      offset_t next, const segment_settings& s);
  ~segment();

  offset_t base() const { return base_; }
  offset_t next_offset() const { return next_; }
  int64_t size() const { return size_; }
  bool empty() const { return next_ == base_; }
  int64_t max_timestamp() const { return max_ts_; }
  int64_t created_ms() const { return created_ms_; }
  const std::string& path() const { return path_; }

  /// Writes one encoded batch (its base offset must be next_offset()).
  status append(const std::string& batch, const format::batch_header& h);
  /// Closes the segment for appends: cut the preallocated tail, final time index entry.
  /// No fsync here (it runs under the partition lock): the partition's next sync() does
  /// sync_sealed() and then release_files().
  status seal();
  /// fsync of a sealed segment (outside the partition lock).
  status sync_sealed() const;
  /// Sealed for good: give the index and segment descriptors back (with an fd cache;
  /// the partition calls this under its lock, right after seal()).
  void release_files();
  /// fdatasync; also measures how many bytes the fsyncs cover (the preallocation rule).
  status datasync();
  status remove_files();
  /// Zero-fills and fdatasyncs one piece ahead of the write position (preallocator
  /// thread, no partition lock). True when more is wanted.
  bool preallocate_step();
  /// Bytes of the file zero-filled and synced so far (tests).
  int64_t preallocated_end() const;
  /// The current zero-fill window (the next segment of the partition starts with it).
  int64_t prealloc_window() const;

  /// File position from which to scan for offset `o` (index lookup).
  int64_t lookup_offset(offset_t o) const;
  /// Offset from which to scan for the first timestamp >= ts (time index lookup).
  offset_t lookup_time(int64_t ts) const;

  /// Hands the records with offset >= from of the batches in [pos, end) to `fn` (views into
  /// the read buffer), stopping once `bytes` would pass max_bytes (but taking at least one
  /// record overall: `taken` counts the records of the whole fetch) or when `fn` returns
  /// false; `done` is then set. corrupt_data when a batch fails its CRC before any record
  /// was taken.
  status visit(int64_t pos, int64_t end, offset_t from, int64_t max_bytes, const record_visitor& fn,
               int64_t& bytes, int64_t& taken, bool& done) const;
  /// First offset >= from whose record timestamp >= ts, scanning [pos, end).
  result<std::optional<offset_t>> find_timestamp(int64_t pos, int64_t end, offset_t from,
                                                 int64_t ts) const;

private:
  segment(offset_t base, const segment_settings& s)
      : base_(base), settings_(s),
        ahead_(std::clamp<int64_t>(s.prealloc_initial, 4096, std::max<int64_t>(s.prealloc_ahead, 4096))) {}
  status open_indexes(const std::string& pdir, bool& offset_valid, bool& time_valid);
  /// The segment file while it is open here (active), else null.
  std::shared_ptr<io::file> file_handle() const;
  /// The file for a read: the open one, or one from the fd cache.
  result<std::shared_ptr<const io::file>> reader() const;
  /// Repairs the repairable damage found by a scan and remembers (and logs) the rest.
  status take_damage(const std::vector<damaged_range>& damaged);
  /// Index entries due for a batch at `pos` (the rule shared by appends and rebuilds).
  void index_step(const format::batch_header& h, int64_t pos, std::vector<offset_entry>* oe,
                  std::vector<time_entry>* te);

  offset_t base_;
  segment_settings settings_;
  std::string path_;
  mutable std::mutex fd_mtx_;     ///< guards file_ (reset once, by release_files)
  std::shared_ptr<io::file> file_; ///< null once closed with an fd cache
  offset_index oindex_;
  time_index tindex_;
  offset_t next_{0};
  int64_t size_ = 0; ///< end of valid data = write position
  std::vector<damaged_range> damaged_; ///< unreadable bytes found on open (immutable after)

  // Preallocation. Invariant: the preallocator only writes zeros at or beyond
  // claimed_end_ as it was when it claimed, which is >= every append's end; an append
  // that would cross a piece being filled waits for it.
  mutable std::mutex pre_mtx_;
  std::condition_variable pre_cv_;
  int64_t prealloc_end_ = 0; ///< zero-filled and synced up to here (pre_mtx_)
  int64_t claimed_end_ = 0;  ///< > prealloc_end_ while a piece is being filled (pre_mtx_)
  bool sealed_ = false;      ///< (pre_mtx_)
  int64_t ahead_;            ///< the zero-fill window (pre_mtx_)
  std::atomic<int64_t> written_end_{0};
  std::atomic<int64_t> synced_end_{0};   ///< written_end_ as of the last datasync()
  std::atomic<int64_t> commit_bytes_{0}; ///< moving average of the bytes each datasync covered
  bool prealloc_failing_ = false; ///< the last zero-fill failed (pre_mtx_; logs once)
  /// After a failed append: file cut back to size_, preallocation forgotten (disk full).
  void cut_back_failed_write();
  /// The preallocation rule of segment_settings::prealloc_max_commit.
  bool small_commits() const;
  int64_t max_ts_ = -1;
  int64_t created_ms_ = 0;
  int64_t bytes_since_index_ = 0;
  int64_t indexed_max_ts_ = -1; ///< T of the last time index entry
};

} // namespace pinpipe::storage
