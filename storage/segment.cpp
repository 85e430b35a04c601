#include "storage/segment.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "storage/batch_reader.hpp"
#include "storage/fd_cache.hpp"
#include "storage/filename.hpp"
#include "storage/preallocator.hpp"
#include "storage/segment_scan.hpp"

namespace pinpipe::storage {
namespace {

const char* describe(format::header_state s) {
  switch (s) {
  case format::header_state::ok:
    return "ok";
  case format::header_state::zero:
    return "zeros";
  case format::header_state::bad_magic:
    return "bad magic";
  case format::header_state::bad_version:
    return "unknown batch version";
  case format::header_state::bad_length:
    return "bad length or record count (torn write?)";
  }
  return "?";
}

constexpr size_t scan_chunk = 1 << 20;

} // namespace

segment::~segment() {
  if (settings_.fds) settings_.fds->forget(this);
  // Index entries still in memory: written on a clean close so the next start need not
  // CRC-check the tail they cover (a crash only costs that check).
  for (const auto& st : {oindex_.flush(), tindex_.flush()}) {
    if (!st) logging::get("storage")->warn("{}", st.to_string());
  }
}

status segment::open_indexes(const std::string& pdir, bool& offset_valid, bool& time_valid) {
  const std::string oi = filename::offset_index(pdir, base_);
  const std::string ti = filename::time_index(pdir, base_);
  std::error_code ec;
  const bool oi_existed = std::filesystem::exists(oi, ec);
  const bool ti_existed = std::filesystem::exists(ti, ec);
  if (auto st = oindex_.open(oi, size_, offset_valid); !st) return st;
  if (auto st = tindex_.open(ti, time_valid); !st) return st;
  offset_valid = offset_valid && oi_existed;
  time_valid = time_valid && ti_existed;
  return status::success();
}

void segment::index_step(const format::batch_header& h, int64_t pos, std::vector<offset_entry>* oe,
                         std::vector<time_entry>* te) {
  if (pos > 0 && bytes_since_index_ >= settings_.index_interval_bytes) {
    const auto rel = static_cast<uint32_t>(h.base_offset - base_.get());
    oe->push_back({rel, static_cast<uint32_t>(pos)});
    if (max_ts_ > indexed_max_ts_) {
      te->push_back({max_ts_, rel});
      indexed_max_ts_ = max_ts_;
    }
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += static_cast<int64_t>(h.size());
  max_ts_ = std::max(max_ts_, h.max_timestamp);
}

result<std::shared_ptr<segment>> segment::create(const std::string& pdir, offset_t base,
                                                 const segment_settings& s) {
  std::shared_ptr<segment> seg{new segment(base, s)};
  auto f = io::file::open_rw(filename::segment(pdir, base), true);
  if (!f) return f.error();
  seg->file_ = std::make_shared<io::file>(std::move(f).value());
  seg->path_ = seg->file_->path();
  if (auto st = seg->file_->truncate(0); !st) return st;
  bool ov = false, tv = false;
  if (auto st = seg->open_indexes(pdir, ov, tv); !st) return st;
  if (auto st = seg->oindex_.reset({}); !st) return st;
  if (auto st = seg->tindex_.reset({}); !st) return st;
  seg->next_ = base;
  seg->created_ms_ = now_ms();
  return seg;
}

result<std::shared_ptr<segment>> segment::recover_active(const std::string& pdir, offset_t base,
                                                         const segment_settings& s,
                                                         producer_state& producers) {
  auto log = logging::get("storage");
  std::shared_ptr<segment> seg{new segment(base, s)};
  auto f = io::file::open_rw(filename::segment(pdir, base), true);
  if (!f) return f.error();
  seg->file_ = std::make_shared<io::file>(std::move(f).value());
  seg->path_ = seg->file_->path();
  auto file_size = seg->file_->size();
  if (!file_size) return file_size.error();
  seg->size_ = *file_size;
  bool ov = false, tv = false;
  if (auto st = seg->open_indexes(pdir, ov, tv); !st) return st;

  // Every batch is CRC-checked before its length is believed (segment_scan.hpp): a
  // damaged batch in the middle is not a torn tail, and what verifies after it is kept.
  std::vector<offset_entry> oe;
  std::vector<time_entry> te;
  int64_t last_end = 0;
  auto out = scan_segment(*seg->file_, base.get(), seg->size_, 0,
                          [&](const format::batch_header& h, int64_t pos) {
                            if (pos != last_end) { // after lost bytes: index the restart
                              seg->bytes_since_index_ = s.index_interval_bytes;
                            }
                            last_end = pos + static_cast<int64_t>(h.size());
                            seg->index_step(h, pos, &oe, &te);
                            if (h.producer_id >= 0) {
                              producers.record(
                                  h.producer_id,
                                  producer_batch{h.base_sequence,
                                                 h.base_sequence + h.record_count - 1,
                                                 offset_t{h.base_offset}, offset_t{h.last_offset()},
                                                 h.max_timestamp});
                            }
                          });
  if (!out) return out.error();
  if (auto st = seg->take_damage(out->damaged); !st) return st;
  if (out->valid_end < seg->size_) {
    if (!out->tail_zero) {
      log->warn("recovery of {}: dropping {} bytes from position {} ({}; nothing after it "
                "verifies: a torn write); appends continue at offset {}",
                seg->path_, seg->size_ - out->valid_end, out->valid_end, out->tail_reason,
                out->next_offset);
    } else {
      log->debug("recovery of {}: cutting {} preallocated bytes at position {}", seg->path_,
                 seg->size_ - out->valid_end, out->valid_end);
    }
    if (auto st = seg->file_->truncate(out->valid_end); !st) return st;
    if (auto st = seg->file_->datasync(); !st) return st;
  }
  seg->size_ = out->valid_end;
  seg->prealloc_end_ = seg->claimed_end_ = out->valid_end;
  seg->written_end_ = out->valid_end;
  seg->synced_end_ = out->valid_end; // recovered data counts as synced: no giant first commit
  seg->next_ = offset_t{out->next_offset};
  seg->created_ms_ = now_ms();
  if (auto st = seg->oindex_.reset(std::move(oe)); !st) return st;
  if (auto st = seg->tindex_.reset(std::move(te)); !st) return st;
  return seg;
}

result<std::shared_ptr<segment>> segment::open_closed(const std::string& pdir, offset_t base,
                                                      offset_t next, const segment_settings& s) {
  auto log = logging::get("storage");
  std::shared_ptr<segment> seg{new segment(base, s)};
  auto f = io::file::open_rw(filename::segment(pdir, base), false);
  if (!f) return f.error();
  seg->file_ = std::make_shared<io::file>(std::move(f).value());
  seg->path_ = seg->file_->path();
  auto file_size = seg->file_->size();
  if (!file_size) return file_size.error();
  seg->size_ = seg->prealloc_end_ = seg->claimed_end_ = *file_size;
  seg->written_end_ = *file_size;
  seg->sealed_ = true;
  seg->next_ = next;
  seg->created_ms_ = now_ms();
  bool ov = false, tv = false;
  if (auto st = seg->open_indexes(pdir, ov, tv); !st) return st;
  const auto count = static_cast<uint32_t>(next.get() - base.get());
  const auto& oes = seg->oindex_.entries();
  // An empty offset index for a segment much larger than the index interval was most
  // likely truncated: rebuilding it costs one scan, trusting it would cost every fetch.
  ov = ov && (oes.empty() || oes.back().rel < count) &&
       !(oes.empty() && seg->size_ > 4LL * s.index_interval_bytes + (1 << 20));
  const auto& tes = seg->tindex_.entries();
  tv = tv && !tes.empty() && tes.back().rel == count; // the final entry written by seal()
  if (ov && tv) {
    seg->max_ts_ = tes.back().ts;
    seg->release_files(); // reads reopen the file through the fd cache
    return seg;
  }
  log->info("rebuilding the indexes of {} ({} missing or damaged)", seg->path_,
            !ov ? "offset index" : "time index");
  std::vector<offset_entry> oe;
  std::vector<time_entry> te;
  int64_t last_end = 0;
  auto out = scan_segment(*seg->file_, base.get(), seg->size_, 0,
                          [&](const format::batch_header& h, int64_t pos) {
                            if (pos != last_end) seg->bytes_since_index_ = s.index_interval_bytes;
                            last_end = pos + static_cast<int64_t>(h.size());
                            seg->index_step(h, pos, &oe, &te);
                          });
  if (!out) return out.error();
  if (auto st = seg->take_damage(out->damaged); !st) return st;
  if (!out->tail_zero) {
    log->error("closed segment {} is corrupt at position {} ({}); fetches of offsets {} and "
               "later in it will fail with corrupt_data",
               seg->path_, out->valid_end, out->tail_reason, out->next_offset);
  } else if (out->next_offset != next.get()) {
    log->error("closed segment {} ends at offset {} but the next segment starts at {}",
               seg->path_, out->next_offset, next.get());
  }
  if (seg->max_ts_ >= 0) te.push_back({seg->max_ts_, count});
  if (auto st = seg->oindex_.reset(std::move(oe)); !st) return st;
  if (auto st = seg->tindex_.reset(std::move(te)); !st) return st;
  seg->release_files();
  return seg;
}

status segment::take_damage(const std::vector<damaged_range>& damaged) {
  auto log = logging::get("storage");
  for (const auto& d : damaged) {
    if (d.repairable) {
      if (auto st = repair_header(*file_, d); !st) return st;
      if (auto st = file_->datasync(); !st) return st;
      log->warn("{}: repaired the header of the batch of offsets {}..{} at position {} ({}; its "
                "records verify against their CRC)",
                path_, d.first_offset, d.next_offset - 1, d.pos, d.reason);
      continue;
    }
    log->error("{}: the bytes at positions {}..{} are damaged ({}); offsets {}..{} stored there "
               "cannot be read. The verified batches after them are kept (offset {} on); "
               "`pinpipe log verify` lists the damage",
               path_, d.pos, d.end, d.reason, d.first_offset, d.next_offset - 1,
               d.next_offset);
    damaged_.push_back(d);
  }
  return status::success();
}

status segment::append(const std::string& batch, const format::batch_header& h) {
  PINPIPE_ASSERT(h.base_offset == next_.get(), "batch appended out of offset order");
  const auto n = static_cast<int64_t>(batch.size());
  const int64_t end = size_ + n;
  bool want_more = false;
  if (settings_.preallocate && settings_.pre) {
    std::unique_lock<std::mutex> lk{pre_mtx_};
    // A piece being zero-filled that our write would cross: wait for it (rare: the
    // preallocator stays prealloc_ahead bytes ahead).
    pre_cv_.wait(lk, [&] { return claimed_end_ == prealloc_end_ || end <= prealloc_end_; });
    const bool zeros_ahead = prealloc_end_ > end;
    if (end > prealloc_end_) prealloc_end_ = claimed_end_ = end; // plain append
    // Half the window used up: ask for more; when the writes used up half of a filled
    // window, double it (up to prealloc_ahead), so it grows with what the partition writes.
    want_more = prealloc_end_ < end + ahead_ / 2 && prealloc_end_ < settings_.segment_bytes &&
                small_commits();
    if (want_more && zeros_ahead) ahead_ = std::min(2 * ahead_, settings_.prealloc_ahead);
  }
  if (auto st = file_->pwrite_all(batch.data(), batch.size(), size_); !st) {
    cut_back_failed_write();
    return st;
  }
  std::vector<offset_entry> oe;
  std::vector<time_entry> te;
  const int64_t pos = size_;
  index_step(h, pos, &oe, &te);
  // Index files are rebuildable: a failed index write is logged, not returned.
  for (const auto& e : oe) {
    if (auto st = oindex_.append(e.rel, e.pos); !st)
      logging::get("storage")->warn("{}", st.to_string());
  }
  for (const auto& e : te) {
    if (auto st = tindex_.append(e.ts, e.rel); !st)
      logging::get("storage")->warn("{}", st.to_string());
  }
  size_ += n;
  written_end_.store(size_, std::memory_order_release);
  next_ = offset_t{h.last_offset() + 1};
  if (want_more) settings_.pre->request(shared_from_this());
  return status::success();
}

void segment::cut_back_failed_write() {
  // A failed pwrite (disk full) may have written part of the batch: the write position
  // stays at size_ (nothing of the batch is readable) and the file is cut back to it, so
  // no partial batch is left after the last whole one and the space is given back. Any
  // preallocated zeros past size_ go too; the next append asks for them again.
  std::unique_lock<std::mutex> lk{pre_mtx_};
  pre_cv_.wait(lk, [&] { return claimed_end_ == prealloc_end_; }); // no piece being filled
  auto file_size = file_->size();
  if (file_size && *file_size > size_) {
    if (auto st = file_->truncate(size_); !st) {
      // The bytes stay past the write position: the next append overwrites them and
      // recovery cuts a torn tail, so this only costs the space.
      logging::get("storage")->warn("cannot cut back a failed write: {}", st.to_string());
    }
  }
  prealloc_end_ = claimed_end_ = size_;
}

bool segment::preallocate_step() {
  int64_t start = 0, stop_at = 0;
  {
    std::lock_guard<std::mutex> guard{pre_mtx_};
    if (sealed_ || claimed_end_ != prealloc_end_) return false;
    const int64_t w = written_end_.load(std::memory_order_acquire);
    if (prealloc_end_ >= w + ahead_ || prealloc_end_ >= settings_.segment_bytes) {
      return false;
    }
    start = std::max(prealloc_end_, w);
    stop_at = std::min(start + std::min(settings_.prealloc_piece, ahead_), settings_.segment_bytes);
    claimed_end_ = stop_at;
  }
  // Zeros go to the page cache quickly; the piece is handed to appends right after and
  // made durable afterwards (an append landing in it meanwhile is simply synced along).
  const auto file = file_handle(); // seal() waits for the claimed piece: still open here
  status st = file ? file->write_zeros(start, stop_at - start)
                   : status{errc::io_error, "segment " + path_ + " closed"};
  bool more = false;
  bool was_failing = false;
  {
    std::lock_guard<std::mutex> guard{pre_mtx_};
    if (st.ok()) {
      prealloc_end_ = stop_at;
    } else if (file) {
      // A part of the piece may be zero-filled (disk full half way): cut it off, so a full
      // disk keeps its last bytes for appends. Safe here: appends that would cross
      // prealloc_end_ wait while the piece is claimed, and none wrote past `start`.
      auto size = file->size();
      if (size && *size > start) (void)file->truncate(start);
    }
    claimed_end_ = prealloc_end_;
    was_failing = prealloc_failing_;
    prealloc_failing_ = !st.ok();
    const int64_t w = written_end_.load(std::memory_order_acquire);
    more = st.ok() && !sealed_ && prealloc_end_ < w + ahead_ &&
           prealloc_end_ < settings_.segment_bytes && small_commits();
  }
  pre_cv_.notify_all();
  if (st.ok()) {
    st = file->datasync();
    if (!st) {
      std::lock_guard<std::mutex> guard{pre_mtx_};
      prealloc_failing_ = true;
    }
  }
  if (!st) {
    // Retried lazily: the next append that wants zeros ahead asks again. Logged once per
    // run of failures (a full disk would otherwise log one line per append).
    if (!was_failing)
      logging::get("storage")->warn("preallocation (retried on the next append): {}",
                                    st.to_string());
    return false;
  }
  if (was_failing)
    logging::get("storage")->info("preallocation of {} works again", path_);
  return more;
}

status segment::datasync() {
  const int64_t end = written_end_.load(std::memory_order_acquire);
  const auto file = file_handle();
  if (!file) return status::success(); // sealed: seal() fsynced it
  auto st = file->datasync();
  if (st) {
    // One syncer at a time in practice (the partition's committer); a race only blurs
    // the average.
    const int64_t covered = std::max<int64_t>(0, end - synced_end_.exchange(end));
    const int64_t avg = commit_bytes_.load(std::memory_order_relaxed);
    commit_bytes_.store(avg - avg / 8 + covered / 8, std::memory_order_relaxed);
  }
  return st;
}

bool segment::small_commits() const {
  const int64_t max = settings_.prealloc_max_commit;
  return commit_bytes_.load(std::memory_order_relaxed) < max &&
         written_end_.load(std::memory_order_acquire) -
                 synced_end_.load(std::memory_order_relaxed) <
             4 * max;
}

int64_t segment::preallocated_end() const {
  std::lock_guard<std::mutex> guard{pre_mtx_};
  return prealloc_end_;
}

int64_t segment::prealloc_window() const {
  std::lock_guard<std::mutex> guard{pre_mtx_};
  return ahead_;
}

status segment::seal() {
  {
    std::unique_lock<std::mutex> lk{pre_mtx_};
    pre_cv_.wait(lk, [&] { return claimed_end_ == prealloc_end_; });
    sealed_ = true;
    prealloc_end_ = claimed_end_ = size_;
  }
  auto file_size = file_->size();
  if (!file_size) return file_size.error();
  if (*file_size > size_) {
    if (auto st = file_->truncate(size_); !st) return st;
  }
  const auto count = static_cast<uint32_t>(next_.get() - base_.get());
  if (max_ts_ >= 0 && (tindex_.entries().empty() || tindex_.entries().back().rel != count)) {
    if (auto st = tindex_.append(max_ts_, count); !st) return st;
  }
  if (auto st = oindex_.flush(); !st) return st;
  return tindex_.flush();
}

status segment::sync_sealed() const {
  // fsync flushes the file's pages whichever descriptor it is called on, so a segment
  // that gave its own descriptors back is synced through one from the fd cache.
  auto file = reader();
  if (!file) return file.error();
  return (*file)->sync();
}

std::shared_ptr<io::file> segment::file_handle() const {
  std::lock_guard<std::mutex> guard{fd_mtx_};
  return file_;
}

result<std::shared_ptr<const io::file>> segment::reader() const {
  if (auto f = file_handle()) return std::shared_ptr<const io::file>(std::move(f));
  if (!settings_.fds) return status{errc::io_error, "segment " + path_ + " is closed"};
  return settings_.fds->get(this, path_);
}

void segment::release_files() {
  if (!settings_.fds) return;
  oindex_.close();
  tindex_.close();
  std::shared_ptr<io::file> dropped;
  std::lock_guard<std::mutex> guard{fd_mtx_};
  dropped.swap(file_);
}

status segment::remove_files() {
  if (settings_.fds) settings_.fds->forget(this);
  const std::string seg = path_;
  const std::string oi = oindex_.path();
  const std::string pdir = seg.substr(0, seg.rfind('/'));
  for (const auto& p : {seg, oi, filename::time_index(pdir, base_)}) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
    if (ec) return {errc::io_error, "cannot delete " + p + ": " + ec.message()};
  }
  return status::success();
}

int64_t segment::lookup_offset(offset_t o) const {
  if (o <= base_) return 0;
  return oindex_.lookup(static_cast<uint32_t>(o.get() - base_.get()));
}

offset_t segment::lookup_time(int64_t ts) const {
  return base_ + tindex_.lookup(ts);
}

status segment::visit(int64_t pos, int64_t end, offset_t from, int64_t max_bytes,
                      const record_visitor& fn, int64_t& bytes, int64_t& taken, bool& done) const {
  const size_t chunk =
      static_cast<size_t>(std::clamp<int64_t>(max_bytes + 4096, 64 << 10, 4 << 20));
  auto file = reader();
  if (!file) return file.error();
  batch_reader rd{**file, end, chunk};
  // Applies the max_bytes rule (always at least one record overall) around `fn`.
  const record_visitor take = [&](const record_view& v) {
    const auto n = static_cast<int64_t>(format::encoded_record_size(v));
    if (taken > 0 && bytes + n > max_bytes) {
      done = true;
      return false;
    }
    bytes += n;
    ++taken;
    if (fn(v)) return true;
    done = true;
    return false;
  };
  while (pos < end) {
    // A range recovery found damaged is never read through: its headers (lengths, offsets)
    // are not to be believed. Offsets stored there are corrupt_data; a read from beyond it
    // resumes at the next verified batch.
    const damaged_range* in_damage = nullptr;
    for (const auto& d : damaged_)
      if (pos >= d.pos && pos < d.end) in_damage = &d;
    if (in_damage) {
      if (taken > 0) {
        done = true;
        return status::success();
      }
      if (from.get() < in_damage->next_offset) {
        const auto& d = *in_damage;
        return {errc::corrupt_data,
                "the log data of " + path_ + " at position " + std::to_string(d.pos) +
                    " is damaged (" + d.reason + "); offsets " + std::to_string(d.first_offset) +
                    ".." + std::to_string(d.next_offset - 1) +
                    " cannot be read; fetch from offset " + std::to_string(d.next_offset) +
                    " to continue after them"};
      }
      pos = in_damage->end;
      continue;
    }
    format::batch_header h;
    auto st = rd.header_at(pos, h);
    if (!st) return st.error();
    if (*st == format::header_state::zero) break;
    const char* bytes_p = nullptr;
    std::string why;
    if (*st != format::header_state::ok) {
      why = describe(*st);
    } else if (h.last_offset() < from.get()) {
      pos += static_cast<int64_t>(h.size());
      continue;
    } else {
      auto b = rd.bytes_at(pos, h.size());
      if (!b) return b.error();
      bytes_p = *b;
      if (!bytes_p)
        why = "batch runs past the end of the segment";
      else if (!format::crc_matches(bytes_p, h.size()))
        why = "CRC mismatch";
    }
    if (why.empty()) {
      // The batch is checked whole before any of its records reaches `take`.
      auto ds = format::visit_records(bytes_p, h.size(), from.get(), take);
      if (!ds) why = ds.message();
    }
    if (!why.empty()) {
      logging::get("storage")->error("corrupt data in {} at position {}: {}", path_, pos,
                                     why);
      if (taken > 0) {
        done = true;
        return status::success();
      }
      for (const auto& d : damaged_) {
        if (pos >= d.pos && pos < d.end) {
          return {errc::corrupt_data,
                  "the log data of " + path_ + " at position " + std::to_string(d.pos) +
                      " is damaged (" + d.reason + "); offsets " +
                      std::to_string(d.first_offset) + ".." + std::to_string(d.next_offset - 1) +
                      " cannot be read; fetch from offset " + std::to_string(d.next_offset) +
                      " to continue after them"};
        }
      }
      return {errc::corrupt_data, "the log data of " + path_ + " at position " +
                                      std::to_string(pos) + " is damaged (" + why +
                                      "); the records there cannot be read"};
    }
    if (done) return status::success();
    pos += static_cast<int64_t>(h.size());
  }
  return status::success();
}

result<std::optional<offset_t>> segment::find_timestamp(int64_t pos, int64_t end, offset_t from,
                                                        int64_t ts) const {
  auto file = reader();
  if (!file) return file.error();
  batch_reader rd{**file, end, scan_chunk};
  std::vector<stored_record> recs;
  while (pos < end) {
    format::batch_header h;
    auto st = rd.header_at(pos, h);
    if (!st) return st.error();
    if (*st == format::header_state::zero) break;
    if (*st != format::header_state::ok) {
      return status{errc::corrupt_data, "damaged batch header in " + path_ +
                                            " at position " + std::to_string(pos)};
    }
    if (h.last_offset() >= from.get() && h.max_timestamp >= ts) {
      auto b = rd.bytes_at(pos, h.size());
      if (!b) return b.error();
      if (!*b || !format::crc_matches(*b, h.size())) {
        return status{errc::corrupt_data,
                      "damaged batch in " + path_ + " at position " + std::to_string(pos)};
      }
      recs.clear();
      if (auto ds = format::decode_records(*b, h.size(), from.get(), recs); !ds) return ds;
      for (const auto& r : recs) {
        if (r.rec.timestamp_ms >= ts) return std::optional<offset_t>{r.offset};
      }
    }
    pos += static_cast<int64_t>(h.size());
  }
  return std::optional<offset_t>{};
}

} // namespace pinpipe::storage
