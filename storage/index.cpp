#include "storage/index.hpp"

#include <algorithm>
#include <cstring>

namespace pinpipe::storage {
namespace {

result<std::string> read_all(const io::file& f) {
  auto sz = f.size();
  if (!sz) return sz.error();
  std::string s(static_cast<size_t>(*sz), '\0');
  auto n = f.pread_some(s.data(), s.size(), 0);
  if (!n) return n.error();
  s.resize(*n);
  return s;
}

void put(char* p, const offset_entry& e) {
  std::memcpy(p, &e.rel, 4);
  std::memcpy(p + 4, &e.pos, 4);
}
void put(char* p, const time_entry& e) {
  std::memcpy(p, &e.ts, 8);
  std::memcpy(p + 8, &e.rel, 4);
}

/// Writes entries[written, end) at their place in `f`; advances `written` on success.
template <typename Entry>
status write_from(const io::file& f, const std::vector<Entry>& entries, size_t& written,
                  size_t entry_size) {
  if (written >= entries.size()) return status::success();
  std::string buf((entries.size() - written) * entry_size, '\0');
  for (size_t i = written; i < entries.size(); ++i)
    put(buf.data() + (i - written) * entry_size, entries[i]);
  if (auto st = f.pwrite_all(buf.data(), buf.size(), static_cast<int64_t>(written * entry_size));
      !st) {
    return st;
  }
  written = entries.size();
  return status::success();
}

} // namespace

status offset_index::open(const std::string& path, int64_t segment_size, bool& valid) {
  auto f = io::file::open_rw(path, true);
  if (!f) return f.error();
  file_ = std::move(f).value();
  entries_.clear();
  auto data = read_all(file_);
  if (!data) return data.error();
  valid = data->size() % entry_size == 0;
  for (size_t i = 0; valid && i < data->size(); i += entry_size) {
    offset_entry e;
    std::memcpy(&e.rel, data->data() + i, 4);
    std::memcpy(&e.pos, data->data() + i + 4, 4);
    if (!entries_.empty() && (e.rel <= entries_.back().rel || e.pos <= entries_.back().pos)) {
      valid = false;
    }
    if (static_cast<int64_t>(e.pos) >= segment_size) valid = false;
    entries_.push_back(e);
  }
  if (!valid) entries_.clear();
  written_ = entries_.size();
  return status::success();
}

status offset_index::append(uint32_t rel, uint32_t pos) {
  entries_.push_back({rel, pos});
  if (entries_.size() - written_ < index_write_every) return status::success();
  return flush();
}

status offset_index::flush() {
  return write_from(file_, entries_, written_, entry_size);
}

status offset_index::reset(std::vector<offset_entry> entries) {
  entries_ = std::move(entries);
  written_ = 0;
  if (auto st = file_.truncate(0); !st) return st;
  return flush();
}

uint32_t offset_index::lookup(uint32_t rel) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel,
                             [](uint32_t r, const offset_entry& e) { return r < e.rel; });
  if (it == entries_.begin()) return 0;
  return std::prev(it)->pos;
}

status time_index::open(const std::string& path, bool& valid) {
  auto f = io::file::open_rw(path, true);
  if (!f) return f.error();
  file_ = std::move(f).value();
  entries_.clear();
  auto data = read_all(file_);
  if (!data) return data.error();
  valid = data->size() % entry_size == 0;
  for (size_t i = 0; valid && i < data->size(); i += entry_size) {
    time_entry e;
    std::memcpy(&e.ts, data->data() + i, 8);
    std::memcpy(&e.rel, data->data() + i + 8, 4);
    if (!entries_.empty() && (e.ts < entries_.back().ts || e.rel <= entries_.back().rel)) {
      valid = false;
    }
    entries_.push_back(e);
  }
  if (!valid) entries_.clear();
  written_ = entries_.size();
  return status::success();
}

status time_index::append(int64_t ts, uint32_t rel) {
  entries_.push_back({ts, rel});
  if (entries_.size() - written_ < index_write_every) return status::success();
  return flush();
}

status time_index::flush() {
  return write_from(file_, entries_, written_, entry_size);
}

status time_index::reset(std::vector<time_entry> entries) {
  entries_ = std::move(entries);
  written_ = 0;
  if (auto st = file_.truncate(0); !st) return st;
  return flush();
}

uint32_t time_index::lookup(int64_t ts) const {
  // Entries are sorted by T; find the last with T < ts.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const time_entry& e, int64_t t) { return e.ts < t; });
  if (it == entries_.begin()) return 0;
  return std::prev(it)->rel;
}

} // namespace pinpipe::storage
