#include "storage/partition.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/logging.hpp"
#include "storage/filename.hpp"
#include "storage/request_checks.hpp"

namespace pinpipe::storage {

result<std::unique_ptr<partition>> partition::open(const std::string& pdir,
                                                   const std::string& topic, partition_id id,
                                                   const partition_settings& s) {
  std::unique_ptr<partition> p{new partition(pdir, topic, id, s)};
  if (auto st = io::make_dir(pdir); !st) return st;
  std::vector<offset_t> bases;
  std::vector<std::pair<offset_t, std::string>> index_files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(pdir, ec)) {
    const std::string name = entry.path().filename().string();
    offset_t base{0};
    switch (filename::parse(name, base)) {
    case filename::file_kind::segment:
      bases.push_back(base);
      break;
    case filename::file_kind::offset_index:
    case filename::file_kind::time_index:
      index_files.emplace_back(base, entry.path().string());
      break;
    case filename::file_kind::other:
      if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
        std::filesystem::remove(entry.path(), ec);
      }
      break;
    }
  }
  if (ec) return status{errc::io_error, "cannot list " + pdir + ": " + ec.message()};
  std::sort(bases.begin(), bases.end());
  for (const auto& [base, path] : index_files) { // indexes of segments deleted by retention
    if (!std::binary_search(bases.begin(), bases.end(), base)) std::filesystem::remove(path, ec);
  }
  if (bases.empty()) {
    auto seg = segment::create(pdir, offset_t{0}, s.seg);
    if (!seg) return seg.error();
    p->segments_.push_back(std::move(seg).value());
    if (auto st = io::fsync_dir(pdir); !st) return st;
    return p;
  }
  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    auto seg = segment::open_closed(pdir, bases[i], bases[i + 1], s.seg);
    if (!seg) return seg.error();
    p->segments_.push_back(std::move(seg).value());
  }
  auto active = segment::recover_active(pdir, bases.back(), s.seg, p->producers_);
  if (!active) return active.error();
  p->segments_.push_back(std::move(active).value());
  return p;
}

status partition::roll_locked(int64_t now_ms) {
  auto& old = segments_.back();
  if (auto st = old->seal(); !st) return st;
  segment_settings next = settings_.seg;
  next.prealloc_initial = old->prealloc_window(); // the window follows the partition's writes
  auto seg = segment::create(pdir_, old->next_offset(), next);
  if (!seg) return seg.error();
  old->release_files(); // its fsync (sync_sealed) reopens it through the fd cache
  unsynced_.push_back(old);
  ++dir_changes_;
  sync_wanted_ = true;
  logging::get("storage")->debug("{}/{}: rolled to segment {}", topic_, id_.get(),
                                 (*seg)->next_offset().get());
  segments_.push_back(std::move(seg).value());
  return status::success();
}

produce_result partition::append(std::string& batch, format::batch_header h, int64_t producer_id,
                                 int32_t base_sequence, int64_t now_ms) {
  produce_result res;
  std::lock_guard<std::mutex> guard{mtx_};
  if (producer_id >= 0) {
    auto c = producers_.check(producer_id, base_sequence, h.record_count);
    if (c.v == producer_state::verdict::duplicate) {
      res.base_offset = c.original.base_offset;
      res.last_offset = c.original.last_offset;
      res.append_time_ms = c.original.append_time_ms;
      res.duplicate = true;
      return res;
    }
    if (c.v == producer_state::verdict::out_of_order) {
      res.st = {errc::out_of_order_sequence, "producer " + std::to_string(producer_id) +
                                                 " sent sequence " + std::to_string(base_sequence) +
                                                 " to " + topic_ + "/" + std::to_string(id_.get()) +
                                                 " but " + std::to_string(c.expected_seq) +
                                                 " was expected; restart the producer"};
      return res;
    }
  }
  auto* active = segments_.back().get();
  const auto n = static_cast<int64_t>(batch.size());
  const int64_t rel_end = active->next_offset().get() + h.record_count - active->base().get();
  if (!active->empty() && (active->size() + n > settings_.seg.segment_bytes ||
                           now_ms - active->created_ms() >= settings_.segment_ms ||
                           rel_end >= std::numeric_limits<int32_t>::max())) {
    if (auto st = roll_locked(now_ms); !st) {
      res.st = st;
      return res;
    }
    active = segments_.back().get();
  }
  h.base_offset = active->next_offset().get();
  format::set_base_offset(batch, h.base_offset);
  if (auto st = active->append(batch, h); !st) {
    res.st = st;
    return res;
  }
  res.base_offset = offset_t{h.base_offset};
  res.last_offset = offset_t{h.last_offset()};
  res.append_time_ms = now_ms;
  if (producer_id >= 0) {
    producers_.record(producer_id, producer_batch{base_sequence, base_sequence + h.record_count - 1,
                                                  res.base_offset, res.last_offset, now_ms});
  }
  return res;
}

result<offset_t> partition::sync() {
  std::shared_ptr<segment> seg;
  offset_t covered{0};
  std::vector<std::shared_ptr<segment>> sealed;
  uint64_t dir_changes = 0;
  bool dir = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    seg = segments_.back();
    covered = seg->next_offset();
    sealed = unsynced_;
    dir_changes = dir_changes_;
    dir = dir_changes_ != dir_synced_;
  }
  // Rolled segments first, then their successors' names, then the active segment.
  auto failed = [this](status st) {
    sync_queued_ = false; // the next append that rolls, or the next commit, tries again
    return st;
  };
  for (const auto& s : sealed) {
    if (auto st = s->sync_sealed(); !st) return failed(st);
  }
  if (dir) {
    if (auto st = io::fsync_dir(pdir_); !st) return failed(st);
  }
  if (auto st = seg->datasync(); !st) return failed(st);
  if (!sealed.empty() || dir) {
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& s : sealed) {
      auto it = std::find(unsynced_.begin(), unsynced_.end(), s);
      if (it != unsynced_.end()) unsynced_.erase(it); // else another sync got it
    }
    dir_synced_ = std::max(dir_synced_, dir_changes);
    sync_wanted_ = !unsynced_.empty();
    sync_queued_ = false;
  }
  return covered;
}

offset_t partition::high_watermark() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return segments_.back()->next_offset();
}

size_t partition::segment_index_locked(offset_t o) const {
  auto it =
      std::upper_bound(segments_.begin(), segments_.end(), o,
                       [](offset_t v, const std::shared_ptr<segment>& s) { return v < s->base(); });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin() - 1);
}

result<fetch_result> partition::fetch(offset_t from, int32_t max_bytes) const {
  std::vector<stored_record> records;
  auto r = fetch_each(from, max_bytes, [&records](const record_view& v) {
    records.push_back(to_stored(v));
    return true;
  });
  if (r) r->records = std::move(records);
  return r;
}

result<fetch_result> partition::fetch_each(offset_t from, int32_t max_bytes,
                                           const record_visitor& fn) const {
  fetch_result out;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    out.high_watermark = segments_.back()->next_offset();
    out.log_start = segments_.front()->base();
  }
  if (from < out.log_start || from > out.high_watermark) {
    return offset_out_of_range_error(topic_, id_, from, out.log_start, out.high_watermark);
  }
  int64_t bytes = 0, taken = 0;
  offset_t pos_offset = from;
  while (pos_offset < out.high_watermark) {
    std::shared_ptr<segment> seg;
    int64_t pos = 0, end = 0;
    bool is_active = false;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (pos_offset < segments_.front()->base()) { // retention ran meanwhile
        if (taken == 0) {
          return offset_out_of_range_error(topic_, id_, from, segments_.front()->base(),
                                           segments_.back()->next_offset());
        }
        break;
      }
      seg = segments_[segment_index_locked(pos_offset)];
      is_active = seg == segments_.back();
      pos = seg->lookup_offset(pos_offset);
      end = seg->size();
    }
    bool done = false;
    if (auto st = seg->visit(pos, end, pos_offset, max_bytes, fn, bytes, taken, done); !st) {
      return st;
    }
    // A closed segment is immutable: continue in the next one; the active one was read
    // up to its write position at lookup time.
    if (done || is_active) break;
    pos_offset = seg->next_offset();
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    out.high_watermark = segments_.back()->next_offset();
  }
  return out;
}

result<offset_t> partition::list_offset(offset_spec spec, int64_t ts_ms) const {
  std::vector<std::shared_ptr<segment>> segs;
  std::vector<int64_t> ends;
  offset_t hw{0};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (spec == offset_spec::earliest) return segments_.front()->base();
    hw = segments_.back()->next_offset();
    if (spec == offset_spec::latest) return hw;
    for (const auto& s : segments_) {
      if (s->max_timestamp() >= ts_ms) {
        segs.push_back(s);
        ends.push_back(s->size());
      }
    }
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    int64_t pos = 0;
    offset_t from{0};
    {
      std::lock_guard<std::mutex> guard{mtx_};
      from = segs[i]->lookup_time(ts_ms);
      pos = segs[i]->lookup_offset(from);
    }
    auto found = segs[i]->find_timestamp(pos, ends[i], from, ts_ms);
    if (!found) return found.error();
    if (*found) return **found;
  }
  return hw;
}

partition_info partition::info() const {
  std::lock_guard<std::mutex> guard{mtx_};
  partition_info pi;
  pi.id = id_;
  pi.log_start = segments_.front()->base();
  pi.high_watermark = segments_.back()->next_offset();
  for (const auto& s : segments_)
    pi.size_bytes += s->size();
  pi.segments = static_cast<int32_t>(segments_.size());
  return pi;
}

int partition::enforce_retention(int64_t now_ms) {
  int removed = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    int64_t total = 0;
    for (const auto& s : segments_)
      total += s->size();
    while (segments_.size() > 1) {
      const auto& oldest = segments_.front();
      const bool too_big = settings_.retention_bytes >= 0 && total > settings_.retention_bytes;
      const bool too_old =
          settings_.retention_ms >= 0 && oldest->max_timestamp() < now_ms - settings_.retention_ms;
      if (!too_big && !too_old) break;
      if (auto st = oldest->remove_files(); !st) {
        logging::get("storage")->error("retention of {}/{}: {}", topic_, id_.get(), st.to_string());
        break;
      }
      logging::get("storage")->info("retention of {}/{}: deleted segment {} ({} bytes, {})", topic_,
                                    id_.get(), oldest->base().get(), oldest->size(),
                                    too_big ? "size" : "age");
      total -= oldest->size();
      segments_.erase(segments_.begin());
      ++removed;
    }
  }
  if (removed > 0) {
    if (auto st = io::fsync_dir(pdir_); !st) logging::get("storage")->warn("{}", st.to_string());
  }
  return removed;
}

} // namespace pinpipe::storage
