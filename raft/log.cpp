#include "raft/log.hpp"

#include <algorithm>

namespace pinpipe::raft {

raft_log::raft_log(offset_t log_start, term_t prefix_term, std::vector<entry> entries)
    : log_start_(log_start), prefix_term_(prefix_term) {
  PINPIPE_ASSERT(log_start.value >= 0, "log_start must not be negative");
  for (entry& e : entries) append(std::move(e));
}

size_t raft_log::index_containing(offset_t o) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), o,
                             [](const entry& e, offset_t x) { return e.last < x; });
  if (it == entries_.end() || it->base > o) return entries_.size();
  return static_cast<size_t>(it - entries_.begin());
}

std::optional<term_t> raft_log::term_at(offset_t o) const {
  if (o.value == log_start_.value - 1) return prefix_term_;
  size_t i = index_containing(o);
  if (i == entries_.size() || entries_[i].last != o) return std::nullopt;
  return entries_[i].term;
}

const entry* raft_log::containing(offset_t o) const {
  size_t i = index_containing(o);
  return i == entries_.size() ? nullptr : &entries_[i];
}

offset_t raft_log::floor_boundary(offset_t o) const {
  if (o >= last()) return last();
  if (o.value < log_start_.value) return offset_t{log_start_.value - 1};
  const entry& e = entries_[index_containing(o)];
  return e.last == o ? o : offset_t{e.base.value - 1};
}

std::vector<entry> raft_log::slice(offset_t from, size_t max) const {
  std::vector<entry> out;
  size_t i = index_containing(from);
  if (i == entries_.size()) return out;
  PINPIPE_ASSERT(entries_[i].base == from, "slice must start at an entry boundary");
  for (; i < entries_.size() && out.size() < max; ++i) out.push_back(entries_[i]);
  return out;
}

void raft_log::append(entry e) {
  PINPIPE_ASSERT(e.base.value == last().value + 1, "appended entry must continue the log");
  PINPIPE_ASSERT(e.base <= e.last, "entry must cover at least one offset");
  PINPIPE_ASSERT(e.term >= last_term(), "terms never decrease along the log");
  entries_.push_back(std::move(e));
}

void raft_log::truncate_from(offset_t o) {
  if (o.value == last().value + 1) return;
  PINPIPE_ASSERT(o >= log_start_, "cannot truncate below log_start");
  size_t i = index_containing(o);
  PINPIPE_ASSERT(i < entries_.size() && entries_[i].base == o,
                 "truncation point must be an entry boundary");
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i), entries_.end());
}

void raft_log::reset(offset_t log_start, term_t prefix_term) {
  PINPIPE_ASSERT(log_start.value >= 0, "log_start must not be negative");
  entries_.clear();
  log_start_ = log_start;
  prefix_term_ = prefix_term;
}

void raft_log::compact(offset_t new_start) {
  if (new_start <= log_start_) return;
  if (new_start.value == last().value + 1) {
    prefix_term_ = last_term();
    entries_.clear();
    log_start_ = new_start;
    return;
  }
  size_t i = index_containing(new_start);
  PINPIPE_ASSERT(i < entries_.size() && entries_[i].base == new_start,
                 "compaction point must be an entry boundary");
  prefix_term_ = entries_[i - 1].term;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i));
  log_start_ = new_start;
}

} // namespace pinpipe::raft
