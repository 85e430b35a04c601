// The in-memory log_store (make_memory_log): the same rules as the file log (dense
// offsets, segments rolled by size/age and deleted whole by retention, idempotent
// producers, watches, consumer groups in "__consumer_offsets"), minus durability.
// Used by tests of everything that sits on the log.
//
// Threading: a shared_mutex guards the topic map, one mutex per partition guards its
// records; callbacks (produce, watch) run on the calling thread outside those locks.
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <shared_mutex>

#include "common/clock.hpp"
#include "storage/format.hpp"
#include "storage/group_codec.hpp"
#include "storage/log.hpp"
#include "storage/producer_state.hpp"
#include "storage/request_checks.hpp"
#include "storage/watch_registry.hpp"

namespace pinpipe::storage {
namespace {

/// What a record counts for in segment sizes and fetch limits (close to its encoded size).
int64_t mem_record_bytes(const record& r) {
  return static_cast<int64_t>(format::encoded_record_size(r));
}

class memory_log final : public log_store {
public:
  explicit memory_log(const log_config& cfg) : cfg_(cfg) {
    topic_config internal;
    internal.partitions = 1;
    create_topic_impl(consumer_offsets_topic, internal, true);
  }

  status create_topic(const std::string& name, const topic_config& cfg) override {
    if (closed_) return closed_error();
    if (auto st = validate_topic_name(name); !st) return st;
    if (name.rfind("__", 0) == 0) {
      return {errc::invalid_argument, "topic names starting with '__' are internal; pick another"};
    }
    return create_topic_impl(name, cfg, false);
  }

  status delete_topic(const std::string& name) override {
    if (closed_) return closed_error();
    if (name == consumer_offsets_topic) {
      return {errc::invalid_argument, "the internal topic " + name + " cannot be deleted"};
    }
    {
      std::unique_lock<std::shared_mutex> guard{topics_mtx_};
      if (topics_.erase(name) == 0) return unknown_topic_error(name);
    }
    watches_.notify_all(name);
    return status::success();
  }

  std::vector<topic_info> list_topics() const override {
    std::vector<topic_info> out;
    std::shared_lock<std::shared_mutex> guard{topics_mtx_};
    for (const auto& kv : topics_)
      out.push_back(describe(kv.first, *kv.second));
    return out;
  }

  result<topic_info> describe_topic(const std::string& name) const override {
    auto t = find_topic(name);
    if (!t) return unknown_topic_error(name);
    return describe(name, *t);
  }

  void produce(produce_request req, produce_callback cb) override {
    produce_result res;
    if (closed_) {
      res.st = closed_error();
      cb(std::move(res));
      return;
    }
    auto t = find_topic(req.topic);
    if (!t) {
      res.st = unknown_topic_error(req.topic);
      cb(std::move(res));
      return;
    }
    if (req.partition.get() < 0 || req.partition.get() >= t->cfg.partitions) {
      res.st = unknown_partition_error(req.topic, req.partition, t->cfg.partitions);
      cb(std::move(res));
      return;
    }
    if (auto st = validate_produce(req, cfg_.max_record_bytes); !st) {
      res.st = st;
      cb(std::move(res));
      return;
    }
    auto& part = *t->parts[req.partition.get()];
    const int64_t now = now_ms();
    offset_t hw{0};
    {
      std::lock_guard<std::mutex> guard{part.mtx};
      const int32_t count = static_cast<int32_t>(req.records.size());
      if (req.producer_id >= 0) {
        auto c = part.producers.check(req.producer_id, req.base_sequence, count);
        if (c.v == producer_state::verdict::duplicate) {
          res.base_offset = c.original.base_offset;
          res.last_offset = c.original.last_offset;
          res.append_time_ms = c.original.append_time_ms;
          res.duplicate = true;
        } else if (c.v == producer_state::verdict::out_of_order) {
          res.st = {errc::out_of_order_sequence,
                    "producer " + std::to_string(req.producer_id) + " sent sequence " +
                        std::to_string(req.base_sequence) + " to " + req.topic + "/" +
                        std::to_string(req.partition.get()) + " but " +
                        std::to_string(c.expected_seq) + " was expected; restart the producer"};
        }
      }
      if (res.st.ok() && !res.duplicate) {
        maybe_roll(part, t->eff, now);
        res.base_offset = part.next;
        for (auto& r : req.records) {
          if (r.timestamp_ms == 0) r.timestamp_ms = now;
          auto& seg = part.segs.back();
          seg.bytes += mem_record_bytes(r);
          seg.max_ts = std::max(seg.max_ts, r.timestamp_ms);
          seg.recs.push_back(stored_record{part.next, std::move(r)});
          part.next = part.next + 1;
        }
        res.last_offset = part.next + (-1);
        res.append_time_ms = now;
        if (req.producer_id >= 0) {
          part.producers.record(req.producer_id,
                                producer_batch{req.base_sequence, req.base_sequence + count - 1,
                                               res.base_offset, res.last_offset, now});
        }
      }
      hw = part.next;
    }
    if (res.st.ok() && !res.duplicate) watches_.notify(req.topic, req.partition, hw);
    cb(std::move(res));
  }

  result<fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                             int32_t max_bytes) const override {
    if (closed_) return closed_error();
    auto t = find_topic(topic);
    if (!t) return unknown_topic_error(topic);
    if (p.get() < 0 || p.get() >= t->cfg.partitions) {
      return unknown_partition_error(topic, p, t->cfg.partitions);
    }
    auto& part = *t->parts[p.get()];
    std::lock_guard<std::mutex> guard{part.mtx};
    fetch_result out;
    out.high_watermark = part.next;
    out.log_start = part.segs.front().base;
    if (from < out.log_start || from > out.high_watermark) {
      return offset_out_of_range_error(topic, p, from, out.log_start, out.high_watermark);
    }
    int64_t bytes = 0;
    for (const auto& seg : part.segs) {
      if (seg.recs.empty() || seg.recs.back().offset < from) continue;
      const size_t start = from > seg.base ? static_cast<size_t>((from.get() - seg.base.get())) : 0;
      for (size_t i = start; i < seg.recs.size(); ++i) {
        const int64_t n = mem_record_bytes(seg.recs[i].rec);
        if (!out.records.empty() && bytes + n > max_bytes) return out;
        bytes += n;
        out.records.push_back(seg.recs[i]);
      }
    }
    return out;
  }

  result<offset_t> list_offset(const std::string& topic, partition_id p, offset_spec spec,
                               int64_t ts_ms) const override {
    if (closed_) return closed_error();
    auto t = find_topic(topic);
    if (!t) return unknown_topic_error(topic);
    if (p.get() < 0 || p.get() >= t->cfg.partitions) {
      return unknown_partition_error(topic, p, t->cfg.partitions);
    }
    auto& part = *t->parts[p.get()];
    std::lock_guard<std::mutex> guard{part.mtx};
    switch (spec) {
    case offset_spec::earliest:
      return part.segs.front().base;
    case offset_spec::latest:
      return part.next;
    case offset_spec::by_timestamp:
      for (const auto& seg : part.segs) {
        if (seg.recs.empty() || seg.max_ts < ts_ms) continue;
        for (const auto& r : seg.recs) {
          if (r.rec.timestamp_ms >= ts_ms) return r.offset;
        }
      }
      return part.next;
    }
    return part.next;
  }

  uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                 std::function<void()> cb) override {
    const uint64_t id = watches_.add(topic, p, after, std::move(cb));
    auto t = find_topic(topic);
    if (!t || p.get() < 0 || p.get() >= t->cfg.partitions) {
      watches_.notify_all(topic); // let the watcher find out by fetching
      return id;
    }
    offset_t hw{0};
    {
      std::lock_guard<std::mutex> guard{t->parts[p.get()]->mtx};
      hw = t->parts[p.get()]->next;
    }
    watches_.notify(topic, p, hw);
    return id;
  }

  void cancel_watch(uint64_t id) override { watches_.cancel(id); }

  status commit_offsets(const std::string& group, const std::vector<group_offset>& offs) override {
    if (closed_) return closed_error();
    if (auto st = validate_group_commit(group, offs); !st) return st;
    produce_request req;
    req.topic = consumer_offsets_topic;
    req.required_acks = acks::all;
    for (const auto& o : offs) {
      auto t = find_topic(o.topic);
      if (!t) return unknown_topic_error(o.topic);
      if (o.partition.get() >= t->cfg.partitions) {
        return unknown_partition_error(o.topic, o.partition, t->cfg.partitions);
      }
      req.records.push_back(encode_group_offset(group, o));
    }
    if (req.records.empty()) return status::success();
    std::lock_guard<std::mutex> guard{groups_mtx_};
    status st;
    produce(std::move(req), [&](produce_result r) { st = r.st; });
    if (!st) return st;
    for (const auto& o : offs)
      apply_group_offset(groups_, group, o);
    return status::success();
  }

  std::vector<group_offset> committed_offsets(const std::string& group) const override {
    std::lock_guard<std::mutex> guard{groups_mtx_};
    return list_group_offsets(groups_, group);
  }

  void enforce_retention() override {
    if (closed_) return;
    std::vector<std::shared_ptr<topic>> topics;
    {
      std::shared_lock<std::shared_mutex> guard{topics_mtx_};
      for (const auto& kv : topics_)
        topics.push_back(kv.second);
    }
    const int64_t now = now_ms();
    for (auto& t : topics) {
      for (auto& pp : t->parts) {
        std::lock_guard<std::mutex> guard{pp->mtx};
        int64_t total = 0;
        for (const auto& s : pp->segs)
          total += s.bytes;
        while (pp->segs.size() > 1) {
          const auto& oldest = pp->segs.front();
          const bool too_big = t->eff.retention_bytes >= 0 && total > t->eff.retention_bytes;
          const bool too_old = t->eff.retention_ms >= 0 && !oldest.recs.empty() &&
                               oldest.max_ts < now - t->eff.retention_ms;
          if (!too_big && !too_old) break;
          total -= oldest.bytes;
          pp->segs.pop_front();
        }
      }
    }
  }

  void close() override { closed_ = true; }

private:
  struct segment {
    offset_t base{0};
    std::vector<stored_record> recs;
    int64_t bytes = 0;
    int64_t created_ms = 0;
    int64_t max_ts = -1;
  };
  struct partition {
    mutable std::mutex mtx;
    std::deque<segment> segs;
    offset_t next{0};
    producer_state producers;
  };
  struct topic {
    topic_config cfg; ///< as given
    topic_config eff; ///< with log defaults filled in
    std::vector<std::unique_ptr<partition>> parts;
  };

  static status closed_error() {
    return {errc::unavailable, "the log is closed (node shutting down); retry on another node"};
  }

  status create_topic_impl(const std::string& name, const topic_config& cfg, bool internal) {
    if (auto st = validate_topic_config(name, cfg); !st) return st;
    auto t = std::make_shared<topic>();
    t->cfg = cfg;
    t->cfg.incarnation = new_topic_incarnation();
    t->eff = resolve_topic_config(cfg, cfg_);
    if (internal) t->eff.retention_ms = -1;
    for (int32_t i = 0; i < cfg.partitions; ++i) {
      auto p = std::make_unique<partition>();
      p->segs.push_back(segment{offset_t{0}, {}, 0, now_ms(), -1});
      t->parts.push_back(std::move(p));
    }
    std::unique_lock<std::shared_mutex> guard{topics_mtx_};
    if (topics_.count(name)) {
      return {errc::topic_exists,
              "topic '" + name + "' already exists; delete it first or reuse it"};
    }
    topics_.emplace(name, std::move(t));
    return status::success();
  }

  std::shared_ptr<topic> find_topic(const std::string& name) const {
    std::shared_lock<std::shared_mutex> guard{topics_mtx_};
    auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : it->second;
  }

  static void maybe_roll(partition& part, const topic_config& eff, int64_t now) {
    auto& seg = part.segs.back();
    if (seg.recs.empty()) return;
    if (seg.bytes >= eff.segment_bytes || now - seg.created_ms >= eff.segment_ms) {
      part.segs.push_back(segment{part.next, {}, 0, now, -1});
    }
  }

  static topic_info describe(const std::string& name, const topic& t) {
    topic_info info;
    info.name = name;
    info.config = t.cfg;
    for (size_t i = 0; i < t.parts.size(); ++i) {
      auto& p = *t.parts[i];
      std::lock_guard<std::mutex> guard{p.mtx};
      partition_info pi;
      pi.id = partition_id{static_cast<int32_t>(i)};
      pi.log_start = p.segs.front().base;
      pi.high_watermark = p.next;
      for (const auto& s : p.segs)
        pi.size_bytes += s.bytes;
      pi.segments = static_cast<int32_t>(p.segs.size());
      info.partitions.push_back(pi);
    }
    return info;
  }

  log_config cfg_;
  std::atomic<bool> closed_{false};
  mutable std::shared_mutex topics_mtx_;
  std::map<std::string, std::shared_ptr<topic>> topics_;
  watch_registry watches_;
  mutable std::mutex groups_mtx_;
  group_offsets_map groups_;
};

} // namespace

std::unique_ptr<log_store> make_memory_log(const log_config& cfg) {
  return std::make_unique<memory_log>(cfg);
}

} // namespace pinpipe::storage
