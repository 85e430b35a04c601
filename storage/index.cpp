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

void put_offset(char* p, const offset_entry& e) {
  std::memcpy(p, &e.rel, 4);
  std::memcpy(p + 4, &e.pos, 4);
}
void put_time(char* p, const time_entry& e) {
  std::memcpy(p, &e.ts, 8);
  std::memcpy(p + 8, &e.rel, 4);
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
  return status::success();
}

status offset_index::append(uint32_t rel, uint32_t pos) {
  offset_entry e{rel, pos};
  char buf[entry_size];
  put_offset(buf, e);
  if (auto st =
          file_.pwrite_all(buf, entry_size, static_cast<int64_t>(entries_.size() * entry_size));
      !st) {
    return st;
  }
  entries_.push_back(e);
  return status::success();
}

status offset_index::reset(std::vector<offset_entry> entries) {
  entries_ = std::move(entries);
  std::string buf(entries_.size() * entry_size, '\0');
  for (size_t i = 0; i < entries_.size(); ++i)
    put_offset(buf.data() + i * entry_size, entries_[i]);
  if (auto st = file_.truncate(0); !st) return st;
  return file_.pwrite_all(buf.data(), buf.size(), 0);
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
  return status::success();
}

status time_index::append(int64_t ts, uint32_t rel) {
  time_entry e{ts, rel};
  char buf[entry_size];
  put_time(buf, e);
  if (auto st =
          file_.pwrite_all(buf, entry_size, static_cast<int64_t>(entries_.size() * entry_size));
      !st) {
    return st;
  }
  entries_.push_back(e);
  return status::success();
}

status time_index::reset(std::vector<time_entry> entries) {
  entries_ = std::move(entries);
  std::string buf(entries_.size() * entry_size, '\0');
  for (size_t i = 0; i < entries_.size(); ++i)
    put_time(buf.data() + i * entry_size, entries_[i]);
  if (auto st = file_.truncate(0); !st) return st;
  return file_.pwrite_all(buf.data(), buf.size(), 0);
}

uint32_t time_index::lookup(int64_t ts) const {
  // Entries are sorted by T; find the last with T < ts.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const time_entry& e, int64_t t) { return e.ts < t; });
  if (it == entries_.begin()) return 0;
  return std::prev(it)->rel;
}

} // namespace pinpipe::storage
