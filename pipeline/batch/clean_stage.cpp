#include "pipeline/batch/clean_stage.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace pinpipe::batch {
namespace {

constexpr size_t chunk_records = 2048;
constexpr size_t chunk_bytes = 4u << 20;
constexpr size_t queue_capacity = 8; // chunks waiting for a worker

// Keeps `row` for its ind when (offset, partition) is lower than what is kept. Returns true
// when a row was dropped (either the new one or the one it replaces).
template <class Row>
bool keep_lowest(std::unordered_map<int64_t, clean_stage::kept<Row>>& m, int64_t offset,
                 int32_t partition, Row&& row) {
  auto [it, added] = m.try_emplace(row.ind, clean_stage::kept<Row>{offset, partition, Row{}});
  if (added) {
    it->second.row = std::move(row);
    return false;
  }
  if (std::tie(offset, partition) < std::tie(it->second.offset, it->second.partition))
    it->second = clean_stage::kept<Row>{offset, partition, std::move(row)};
  return true;
}

template <class Row>
void merge_into(std::unordered_map<int64_t, clean_stage::kept<Row>>& into,
                std::unordered_map<int64_t, clean_stage::kept<Row>>& from) {
  for (auto& [ind, k] : from)
    keep_lowest(into, k.offset, k.partition, std::move(k.row));
}

template <class Row>
std::vector<Row> sorted_rows(std::unordered_map<int64_t, clean_stage::kept<Row>>& m) {
  std::vector<Row> rows;
  rows.reserve(m.size());
  for (auto& [ind, k] : m)
    rows.push_back(std::move(k.row));
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ind < b.ind; });
  return rows;
}

// A dead letter before its topic index is turned into a name (after the workers joined).
struct pending_dead {
  int32_t topic;
  int32_t partition;
  int64_t offset;
  std::string raw, reason;
};

} // namespace

struct clean_stage::worker_state {
  std::unordered_map<int64_t, kept<clean::pin_row>> pins;
  std::unordered_map<int64_t, kept<clean::geo_row>> geos;
  std::unordered_map<int64_t, kept<clean::user_row>> users;
  std::vector<pending_dead> dead;
  int64_t cleaned = 0;
};

clean_stage::clean_stage(int threads) : current_(std::make_unique<chunk>()) {
  int n = std::max(1, threads);
  for (int i = 0; i < n; ++i)
    states_.push_back(std::make_unique<worker_state>());
  for (int i = 0; i < n; ++i)
    workers_.emplace_back([this, i] { work(*states_[i]); });
}

clean_stage::~clean_stage() {
  if (!workers_.empty()) finish();
}

void clean_stage::add(const std::string& topic, int32_t partition, int64_t offset,
                      std::string_view raw) {
  if (last_topic_ < 0 || topics_[last_topic_] != topic) {
    auto it = std::find(topics_.begin(), topics_.end(), topic);
    last_topic_ = static_cast<int32_t>(it - topics_.begin());
    if (it == topics_.end()) {
      topics_.push_back(topic);
      auto k = clean::kind_of(topic);
      kinds_.push_back(k ? static_cast<int32_t>(*k) : -1);
    }
  }
  chunk& c = *current_;
  c.entries.push_back(
      {last_topic_, kinds_[last_topic_], partition, offset, c.buf.size(), raw.size()});
  c.buf.append(raw.data(), raw.size());
  if (c.entries.size() >= chunk_records || c.buf.size() >= chunk_bytes) {
    push(std::move(current_));
    current_ = std::make_unique<chunk>();
  }
}

void clean_stage::push(std::unique_ptr<chunk> c) {
  std::unique_lock<std::mutex> lock{mtx_};
  not_full_.wait(lock, [&] { return queue_.size() < queue_capacity; });
  queue_.push_back(std::move(c));
  not_empty_.notify_one();
}

void clean_stage::work(worker_state& st) {
  for (;;) {
    std::unique_ptr<chunk> c;
    {
      std::unique_lock<std::mutex> lock{mtx_};
      not_empty_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return; // done_ and drained
      c = std::move(queue_.front());
      queue_.pop_front();
      not_full_.notify_one();
    }
    for (const entry& e : c->entries) {
      std::string_view raw{c->buf.data() + e.begin, e.size};
      if (e.kind < 0) {
        st.dead.push_back({e.topic, e.partition, e.offset, std::string(raw),
                           "topic is not a pin, geo or user topic (expected <uid>.pin, "
                           "<uid>.geo or <uid>.user)"});
        continue;
      }
      auto r = clean::clean(static_cast<clean::kind>(e.kind), raw);
      if (!r.ok()) {
        st.dead.push_back({e.topic, e.partition, e.offset, std::string(raw), r.error().message()});
        continue;
      }
      ++st.cleaned;
      std::visit(
          [&](auto&& row) {
            using T = std::decay_t<decltype(row)>;
            if constexpr (std::is_same_v<T, clean::pin_row>)
              keep_lowest(st.pins, e.offset, e.partition, std::move(row));
            else if constexpr (std::is_same_v<T, clean::geo_row>)
              keep_lowest(st.geos, e.offset, e.partition, std::move(row));
            else
              keep_lowest(st.users, e.offset, e.partition, std::move(row));
          },
          std::move(r.value()));
    }
  }
}

clean_result clean_stage::finish() {
  PINPIPE_ASSERT(!states_.empty(), "clean_stage::finish called twice");
  if (!current_->entries.empty()) push(std::move(current_));
  current_ = std::make_unique<chunk>();
  {
    std::lock_guard<std::mutex> lock{mtx_};
    done_ = true;
  }
  not_empty_.notify_all();
  for (auto& t : workers_)
    t.join();
  workers_.clear();

  clean_result out;
  worker_state& all = *states_[0];
  std::vector<pending_dead> dead = std::move(all.dead);
  out.cleaned = all.cleaned;
  for (size_t i = 1; i < states_.size(); ++i) {
    merge_into(all.pins, states_[i]->pins);
    merge_into(all.geos, states_[i]->geos);
    merge_into(all.users, states_[i]->users);
    for (auto& d : states_[i]->dead)
      dead.push_back(std::move(d));
    out.cleaned += states_[i]->cleaned;
  }
  out.pins = sorted_rows(all.pins);
  out.geos = sorted_rows(all.geos);
  out.users = sorted_rows(all.users);
  states_.clear();
  for (auto& d : dead)
    out.dead.push_back(
        {"batch", topics_[d.topic], d.partition, d.offset, std::move(d.raw), std::move(d.reason)});
  std::sort(out.dead.begin(), out.dead.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition, a.offset) < std::tie(b.topic, b.partition, b.offset);
  });
  return out;
}

} // namespace pinpipe::batch
