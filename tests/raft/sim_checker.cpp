#include "sim_checker.hpp"

#include <algorithm>
#include <iterator>
#include <sstream>

namespace pinpipe::raft::sim {

namespace {
uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}
uint64_t key(int64_t last, int64_t term) {
  return mix(static_cast<uint64_t>(last), static_cast<uint64_t>(term) * 0x100000001B3ull);
}
} // namespace

uint64_t entry_hash(const entry& e) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : e.payload) h = (h ^ c) * 1099511628211ull;
  h = mix(h, static_cast<uint64_t>(e.base.value));
  h = mix(h, static_cast<uint64_t>(e.last.value));
  h = mix(h, static_cast<uint64_t>(e.term.value));
  h = mix(h, static_cast<uint64_t>(e.kind));
  h = mix(h, static_cast<uint64_t>(e.producer_id));
  return mix(h, static_cast<uint64_t>(e.base_sequence));
}

checker::checker(int nodes, bool check_durability)
    : shadows_(static_cast<size_t>(nodes) + 1), check_durability_(check_durability) {
  committed_hash_[-1] = 0;
}

void checker::fail(std::string what) {
  if (violation_.empty()) violation_ = std::move(what);
}

bool checker::hash_at(int i, int64_t o, uint64_t& h) const {
  const shadow& s = shadows_[static_cast<size_t>(i)];
  if (o == s.log_start - 1) {
    h = s.start_hash;
    return true;
  }
  auto it = std::lower_bound(s.entries.begin(), s.entries.end(), o,
                             [](const shadow_entry& e, int64_t x) { return e.last < x; });
  if (it == s.entries.end() || it->last != o) return false;
  h = it->hash;
  return true;
}

void checker::append(int i, const entry& e) {
  shadow& s = shadows_[static_cast<size_t>(i)];
  int64_t prev_last = s.entries.empty() ? s.log_start - 1 : s.entries.back().last;
  uint64_t prev_hash = s.entries.empty() ? s.start_hash : s.entries.back().hash;
  if (e.base.value != prev_last + 1) {
    std::ostringstream os;
    os << "node " << i << " appended batch " << e.base << "-" << e.last << " after offset "
       << prev_last << ": the log has a gap or overlap";
    fail(os.str());
    return;
  }
  uint64_t h = mix(prev_hash, entry_hash(e));
  s.entries.push_back({e.base.value, e.last.value, e.term.value, h});
  auto [it, fresh] = seen_.emplace(key(e.last.value, e.term.value), h);
  if (!fresh && it->second != h) {
    std::ostringstream os;
    os << "log matching: node " << i << " holds an entry ending at " << e.last << " in term "
       << e.term << " whose log differs from another replica's entry at the same (offset, term)";
    fail(os.str());
  }
}

void checker::on_persist_request(int i, const persist_request& p) {
  shadow& s = shadows_[static_cast<size_t>(i)];
  if (p.reset) {
    s.entries.clear();
    s.log_start = p.reset_log_start.value;
    auto it = committed_hash_.find(s.log_start - 1);
    if (it == committed_hash_.end()) {
      fail("node " + std::to_string(i) + " reset its log to start at " +
           std::to_string(s.log_start) + ", but the offset before it is not committed");
      return;
    }
    s.start_hash = it->second;
  }
  if (p.truncate_from != no_offset) {
    auto it = std::find_if(s.entries.begin(), s.entries.end(), [&](const shadow_entry& e) {
      return e.base >= p.truncate_from.value;
    });
    s.entries.erase(it, s.entries.end());
  }
  for (const entry& e : p.entries) append(i, e);
}

void checker::on_restart(int i, const durable_state& disk) {
  shadow& s = shadows_[static_cast<size_t>(i)];
  s.entries.clear();
  s.log_start = disk.log_start.value;
  auto it = committed_hash_.find(s.log_start - 1);
  if (it == committed_hash_.end()) {
    fail("node " + std::to_string(i) + " restarted with log_start " + std::to_string(s.log_start) +
         " after an uncommitted offset");
    return;
  }
  s.start_hash = it->second;
  for (const entry& e : disk.entries) append(i, e);
}

void checker::on_compact(int i, offset_t new_start) {
  shadow& s = shadows_[static_cast<size_t>(i)];
  if (new_start.value <= s.log_start) return;
  uint64_t h;
  if (!hash_at(i, new_start.value - 1, h)) {
    fail("node " + std::to_string(i) + " compacted at a non-boundary " +
         std::to_string(new_start.value));
    return;
  }
  s.entries.erase(std::remove_if(s.entries.begin(), s.entries.end(),
                                 [&](const shadow_entry& e) { return e.last < new_start.value; }),
                  s.entries.end());
  s.log_start = new_start.value;
  s.start_hash = h;
}

void checker::after_step(int i, const node& n, const std::vector<const durable_state*>& disks) {
  if (!ok()) return;
  const shadow& s = shadows_[static_cast<size_t>(i)];
  if (n.state() == role::leader) {
    auto [it, fresh] = leaders_.emplace(n.term().value, i);
    if (!fresh && it->second != i) {
      fail("election safety: nodes " + std::to_string(it->second) + " and " + std::to_string(i) +
           " are both leader in term " + std::to_string(n.term().value));
      return;
    }
  }
  int64_t c = n.commit().value;
  if (c <= committed_max_) {
    if (c >= s.log_start - 1) {
      uint64_t h;
      auto g = committed_hash_.find(c);
      if (!hash_at(i, c, h) || g == committed_hash_.end() || g->second != h) {
        fail("committed entries changed: node " + std::to_string(i) + " has commit index " +
             std::to_string(c) + " over a log that differs from what was committed there");
        return;
      }
    }
  } else {
    uint64_t h;
    if (committed_max_ >= s.log_start - 1 &&
        (!hash_at(i, committed_max_, h) || h != committed_max_hash_)) {
      fail("committed entries lost: node " + std::to_string(i) + " commits up to " +
           std::to_string(c) + " over a log without the committed entry at " +
           std::to_string(committed_max_));
      return;
    }
    for (const shadow_entry& se : s.entries) {
      if (se.last <= committed_max_) continue;
      if (se.last > c) break;
      const entry* e = n.log().containing(offset_t{se.last});
      if (!e || e->last.value != se.last) {
        fail("node " + std::to_string(i) + "'s log differs from the batches it asked to persist");
        return;
      }
      committed_hash_[se.last] = se.hash;
      committed_entries_[se.last] = *e;
      committed_max_ = se.last;
      committed_max_hash_ = se.hash;
    }
    committed_by_term_[n.term().value] = c;
    if (committed_max_ != c) {
      fail("node " + std::to_string(i) + " commit index " + std::to_string(c) +
           " is not the end of a batch in its log");
      return;
    }
    // Persisted before acknowledged: the new commit point is durable on a majority.
    const entry& ce = committed_entries_[c];
    size_t durable = 0;
    for (size_t j = 1; j < disks.size(); ++j) {
      const durable_state& d = *disks[j];
      if (d.log_start.value > c) {
        ++durable;
        continue;
      }
      auto it = std::lower_bound(d.entries.begin(), d.entries.end(), c,
                                 [](const entry& e, int64_t x) { return e.last.value < x; });
      if (it != d.entries.end() && *it == ce) ++durable;
    }
    if (check_durability_ && durable < (disks.size() - 1) / 2 + 1) {
      fail("durability: node " + std::to_string(i) + " committed offset " + std::to_string(c) +
           " while only " + std::to_string(durable) + " disks hold it");
      return;
    }
  }
  // Leader completeness: a leader of term T holds everything committed before term T. (A
  // deposed leader that has not noticed yet may lack what its successor committed.)
  if (n.state() == role::leader) {
    auto it = committed_by_term_.lower_bound(n.term().value);
    if (it == committed_by_term_.begin()) return;
    int64_t before = std::prev(it)->second;
    uint64_t h;
    if (before >= s.log_start - 1 &&
        (!hash_at(i, before, h) || h != committed_hash_[before]))
      fail("leader completeness: leader " + std::to_string(i) + " of term " +
           std::to_string(n.term().value) + " lacks the entry at " + std::to_string(before) +
           " committed in an earlier term");
  }
}

void checker::on_ack_all(offset_t base, offset_t last, const std::string& payload) {
  auto it = committed_entries_.find(last.value);
  if (it == committed_entries_.end() || it->second.base != base || it->second.payload != payload)
    fail("an acks=all write was acknowledged at " + std::to_string(base.value) + "-" +
         std::to_string(last.value) + " but that batch is not committed with its data");
}

void checker::compare_with_core(int i, const node& n) {
  const shadow& s = shadows_[static_cast<size_t>(i)];
  const auto& es = n.log().entries();
  bool same = s.log_start == n.log().log_start().value && s.entries.size() == es.size();
  for (size_t k = 0; same && k < es.size(); ++k)
    same = s.entries[k].base == es[k].base.value && s.entries[k].last == es[k].last.value &&
           s.entries[k].term == es[k].term.value;
  if (!same)
    fail("node " + std::to_string(i) +
         "'s in-memory log differs from the batches it asked to persist");
}

} // namespace pinpipe::raft::sim
