// The durable log_store (open_file_log): topics of partitions on disk (storage/
// partition.hpp), the group-commit flusher thread, watches, and consumer group offsets
// kept in the internal topic "__consumer_offsets".
//
// Lifecycle: open_file_log takes an flock on <dir>/.lock, recovers every partition,
// replays the group offsets and starts the flusher; close() (or the destructor) drains
// the flusher, fsyncs every partition and releases the lock.
// Threading: a shared_mutex guards the topic map (never held across file I/O: topic
// create/delete do theirs under admin_mtx_); partitions lock themselves. acks=all
// produce requests are queued for the flusher (storage/group_commit.hpp), which does one
// fdatasync per dirty partition for everything queued and then runs the callbacks on its
// own thread.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <future>
#include <shared_mutex>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/clock.hpp"
#include "common/disk_full_count.hpp"
#include "common/logging.hpp"
#include "storage/file_io.hpp"
#include "storage/fd_cache.hpp"
#include "storage/file_log.hpp"
#include "storage/filename.hpp"
#include "storage/group_commit.hpp"
#include "storage/group_codec.hpp"
#include "storage/partition.hpp"
#include "storage/preallocator.hpp"
#include "storage/request_checks.hpp"
#include "storage/watch_registry.hpp"

namespace pinpipe::storage {
namespace {

constexpr int64_t max_segment_bytes = 1LL << 30; // positions in the index are u32
// Caps of one merged batch (produce_many): encoded record bytes and records.
constexpr size_t merge_max_bytes = 4u << 20;
constexpr size_t merge_max_records = 65536;

class file_log final : public log_store {
public:
  explicit file_log(const log_config& cfg) : cfg_(cfg), log_(logging::get("storage")) {}
  ~file_log() override { close(); }

  status start() {
    std::error_code ec;
    std::filesystem::create_directories(cfg_.dir, ec);
    if (ec)
      return {errc::io_error, "cannot create log directory " + cfg_.dir + ": " + ec.message()};
    const std::string lock_path = filename::lock_file(cfg_.dir);
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0 && errno == EISDIR) {
      return {errc::io_error, "cannot open the log's lock file " + lock_path +
                                  ": it is a directory (left by a topic named '.lock', which "
                                  "older versions accepted); move it out of " +
                                  cfg_.dir + " and start again"};
    }
    if (lock_fd_ < 0) return io::errno_status("cannot open", lock_path, errno);
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return {errc::unavailable, "log directory " + cfg_.dir +
                                     " is in use by another process (lock on " + lock_path +
                                     "); stop it or use another data directory"};
    }
    if (cfg_.preallocate) pre_ = std::make_unique<preallocator>();
    fds_ = std::make_unique<fd_cache>(static_cast<size_t>(cfg_.max_open_files));
    for (const auto& entry : std::filesystem::directory_iterator(cfg_.dir, ec)) {
      if (!entry.is_directory()) continue;
      const std::string name = entry.path().filename().string();
      if (auto st = validate_topic_name(name); !st) {
        if (std::filesystem::exists(filename::topic_meta(cfg_.dir, name), ec)) {
          log_->warn("not serving the topic in {}: {} (rename the directory to a valid name "
                     "while the node is stopped)",
                     entry.path().string(), st.message());
        }
        continue;
      }
      const std::string meta_path = filename::topic_meta(cfg_.dir, name);
      if (!std::filesystem::exists(meta_path)) {
        log_->warn("removing {}: a topic directory without topic.meta (interrupted create or "
                   "delete)",
                   entry.path().string());
        std::filesystem::remove_all(entry.path(), ec);
        continue;
      }
      auto text = io::read_small_file(meta_path);
      if (!text) return text.error();
      auto tc = decode_topic_meta(*text, meta_path);
      if (!tc) return tc.error();
      auto t = open_topic(name, *tc);
      if (!t) return t.error();
      topics_.emplace(name, std::move(t).value());
    }
    if (ec) return {errc::io_error, "cannot list " + cfg_.dir + ": " + ec.message()};
    if (!topics_.count(consumer_offsets_topic)) {
      topic_config internal;
      internal.partitions = 1;
      if (auto st = create_topic_impl(consumer_offsets_topic, internal); !st) return st;
    }
    if (auto st = load_group_offsets(); !st) return st;
    committer_.start();
    log_->info("opened log {} with {} topics", cfg_.dir, topics_.size());
    return status::success();
  }

  status create_topic(const std::string& name, const topic_config& cfg) override {
    if (closed_) return closed_error();
    if (auto st = validate_topic_name(name); !st) return st;
    if (name.rfind("__", 0) == 0) {
      return {errc::invalid_argument, "topic names starting with '__' are internal; pick another"};
    }
    auto st = create_topic_impl(name, cfg);
    if (st.code() == errc::disk_full) note_disk_full();
    return st;
  }

  status delete_topic(const std::string& name) override {
    if (closed_) return closed_error();
    if (name == consumer_offsets_topic) {
      return {errc::invalid_argument, "the internal topic " + name + " cannot be deleted"};
    }
    {
      // The file work runs under admin_mtx_ only: readers of the topic map never wait
      // for the disk.
      std::lock_guard<std::mutex> admin{admin_mtx_};
      {
        std::unique_lock<std::shared_mutex> guard{topics_mtx_};
        if (topics_.erase(name) == 0) return unknown_topic_error(name);
      }
      // The meta file goes first: a directory without it is removed on the next open.
      const std::string meta = filename::topic_meta(cfg_.dir, name);
      if (::unlink(meta.c_str()) != 0) return io::errno_status("cannot delete", meta, errno);
      if (auto st = io::fsync_dir(filename::topic_dir(cfg_.dir, name)); !st) return st;
      std::error_code ec;
      std::filesystem::remove_all(filename::topic_dir(cfg_.dir, name), ec);
      if (ec) log_->warn("deleting topic {}: {} (removed on next open)", name, ec.message());
      if (auto st = io::fsync_dir(cfg_.dir); !st) return st;
    }
    log_->info("deleted topic {}", name);
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
    auto part = admit(req, res.st);
    if (!part) {
      cb(std::move(res));
      return;
    }
    append_and_ack(std::move(part), req, std::move(cb));
  }

  // Merging: consecutive non-idempotent requests for the same partition and acks become
  // one batch (one encode, one pwrite, one group-commit entry), split back into per-request
  // offset ranges in the callback. A request that does not fit the open group of its
  // partition (other acks, idempotent, size cap reached) closes it, so per partition the
  // offsets follow the order of `reqs`.
  void produce_many(std::vector<produce_request> reqs, std::vector<produce_callback> cbs,
                    commit_on where) override {
    // commit_on::caller: acks=all requests collect here and are committed below.
    std::vector<pending_ack> mine;
    std::vector<pending_ack>* here = where == commit_on::caller ? &mine : nullptr;
    struct group {
      std::shared_ptr<partition> part;
      size_t first = 0;            ///< index of the request whose topic/acks the batch uses
      std::vector<size_t> members; ///< request indexes, in order
      size_t bytes = 0;
      size_t records = 0;
      bool open = true;
    };
    std::vector<group> groups;
    for (size_t i = 0; i < reqs.size(); ++i) {
      auto& req = reqs[i];
      status st;
      auto part = admit(req, st);
      if (!part) {
        produce_result res;
        res.st = std::move(st);
        cbs[i](std::move(res));
        continue;
      }
      size_t bytes = 0;
      for (const auto& r : req.records)
        bytes += format::encoded_record_size(r);
      const bool mergeable = req.producer_id < 0;
      group* open = nullptr;
      for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
        if (it->part == part) {
          if (it->open) open = &*it;
          break;
        }
      }
      if (open && (!mergeable || reqs[open->first].required_acks != req.required_acks ||
                   open->bytes + bytes > merge_max_bytes ||
                   open->records + req.records.size() > merge_max_records)) {
        open->open = false;
        open = nullptr;
      }
      if (!open) {
        groups.push_back(group{part, i, {}, 0, 0, mergeable});
        open = &groups.back();
      }
      open->members.push_back(i);
      open->bytes += bytes;
      open->records += req.records.size();
    }
    for (auto& g : groups) {
      auto& lead = reqs[g.first];
      if (g.members.size() == 1) {
        append_and_ack(std::move(g.part), lead, std::move(cbs[g.first]), here);
        continue;
      }
      std::vector<std::pair<int64_t, produce_callback>> split;
      split.reserve(g.members.size());
      std::vector<record> all;
      all.reserve(g.records);
      for (size_t i : g.members) {
        auto& recs = reqs[i].records;
        split.emplace_back(static_cast<int64_t>(recs.size()), std::move(cbs[i]));
        if (i == g.first) continue;
        std::move(recs.begin(), recs.end(), std::back_inserter(lead.records));
      }
      // Keep the lead's records first: lead is members[0], so order is preserved.
      ++merged_groups_;
      merged_requests_ += g.members.size();
      append_and_ack(
          std::move(g.part), lead,
          [split = std::move(split)](produce_result r) mutable {
            int64_t next = r.base_offset.get();
            for (auto& [n, cb] : split) {
              produce_result sub = r;
              if (r.st.ok()) {
                sub.base_offset = offset_t{next};
                sub.last_offset = offset_t{next + n - 1};
                next += n;
              }
              cb(std::move(sub));
            }
          },
          here);
    }
    if (!mine.empty()) committer_.commit(mine);
  }

  result<fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                             int32_t max_bytes) const override {
    if (closed_) return closed_error();
    auto part = find_partition(topic, p);
    if (!part) return part.error();
    return (*part)->fetch(from, max_bytes);
  }

  result<fetch_result> fetch_each(const std::string& topic, partition_id p, offset_t from,
                                  int32_t max_bytes, const record_visitor& fn) const override {
    if (closed_) return closed_error();
    auto part = find_partition(topic, p);
    if (!part) return part.error();
    return (*part)->fetch_each(from, max_bytes, fn);
  }

  result<offset_t> list_offset(const std::string& topic, partition_id p, offset_spec spec,
                               int64_t ts_ms) const override {
    if (closed_) return closed_error();
    auto part = find_partition(topic, p);
    if (!part) return part.error();
    return (*part)->list_offset(spec, ts_ms);
  }

  uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                 std::function<void()> cb) override {
    const uint64_t id = watches_.add(topic, p, after, std::move(cb));
    auto part = find_partition(topic, p);
    if (!part) {
      watches_.notify_all(topic); // nothing to wait for: the watcher's fetch reports why
      return id;
    }
    watches_.notify(topic, p, (*part)->high_watermark());
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
      if (auto part = find_partition(o.topic, o.partition); !part) return part.error();
      req.records.push_back(encode_group_offset(group, o));
    }
    if (req.records.empty()) return status::success();
    // Commits are serialised so that the map and the log agree on the order.
    std::lock_guard<std::mutex> guard{commit_mtx_};
    std::promise<status> done;
    auto fut = done.get_future();
    produce(std::move(req), [&done](produce_result r) { done.set_value(r.st); });
    if (auto st = fut.get(); !st) return st;
    std::lock_guard<std::mutex> g2{groups_mtx_};
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
    std::vector<std::shared_ptr<partition>> parts;
    {
      std::shared_lock<std::shared_mutex> guard{topics_mtx_};
      for (const auto& kv : topics_) {
        for (const auto& p : kv.second->parts)
          parts.push_back(p);
      }
    }
    const int64_t now = now_ms();
    for (auto& p : parts)
      p->enforce_retention(now);
  }

  void close() override {
    if (closed_.exchange(true)) return;
    committer_.stop();
    if (pre_) pre_->stop();
    std::shared_lock<std::shared_mutex> guard{topics_mtx_};
    for (const auto& kv : topics_) {
      for (const auto& p : kv.second->parts) {
        if (auto r = p->sync(); !r) log_->error("closing the log: {}", r.error().to_string());
      }
    }
    if (lock_fd_ < 0) return; // never opened
    ::close(lock_fd_);
    lock_fd_ = -1;
    log_->info("closed log {}", cfg_.dir);
  }

  file_log_stats stats() const {
    file_log_stats s;
    s.cached_files = fds_ ? fds_->open_count() : 0;
    s.fsyncs = committer_.fsyncs();
    s.synced_batches = committer_.synced_batches();
    s.flush_rounds = committer_.flush_rounds();
    s.merged_groups = merged_groups_.load();
    s.merged_requests = merged_requests_.load();
    s.disk_full_errors = disk_full_errors_.load() + committer_.disk_full_errors();
    return s;
  }

private:
  struct topic {
    topic_config cfg; ///< as given (and stored in topic.meta)
    std::vector<std::shared_ptr<partition>> parts;
  };

  /// The partition a produce request goes to, or nullptr with `st` saying why not.
  std::shared_ptr<partition> admit(const produce_request& req, status& st) const {
    if (closed_) {
      st = closed_error();
    } else if (auto t = find_topic(req.topic); !t) {
      st = unknown_topic_error(req.topic);
    } else if (req.partition.get() < 0 || req.partition.get() >= t->cfg.partitions) {
      st = unknown_partition_error(req.topic, req.partition, t->cfg.partitions);
    } else if (auto v = validate_produce(req, cfg_.max_record_bytes); !v) {
      st = v;
    } else {
      return t->parts[req.partition.get()];
    }
    return nullptr;
  }

  /// Encodes req.records as one batch, appends it to `part` and calls `cb` now (errors,
  /// acks none/leader) or from the flusher after the fsync (acks all).
  /// With `here`, an acks=all batch goes there instead of to the flusher (the caller commits).
  void append_and_ack(std::shared_ptr<partition> part, produce_request& req, produce_callback cb,
                      std::vector<pending_ack>* here = nullptr) {
    // Encode and checksum outside the partition lock; the base offset is patched in
    // under it (it is not covered by the CRC).
    const int64_t now = now_ms();
    for (auto& r : req.records) {
      if (r.timestamp_ms == 0) r.timestamp_ms = now;
    }
    thread_local std::string buf;
    const auto h = format::encode_batch(req.records, 0, 0, req.producer_id, req.base_sequence, buf);
    produce_result res = part->append(buf, h, req.producer_id, req.base_sequence, now);
    if (buf.capacity() > (8u << 20)) std::string{}.swap(buf);
    if (res.st.ok() && !res.duplicate) {
      watches_.notify(req.topic, req.partition, res.last_offset + 1);
    }
    if (res.st.code() == errc::disk_full) note_disk_full();
    if (!res.st.ok() || req.required_acks != acks::all) {
      // A roll left a sealed segment to fsync: the flusher does it (not this thread, which
      // must not wait for the disk with acks none/leader).
      if (part->take_sync_request()) committer_.enqueue(pending_ack{part, produce_result{}, nullptr});
      cb(std::move(res));
      return;
    }
    if (here) {
      here->push_back(pending_ack{std::move(part), std::move(res), std::move(cb)});
      return;
    }
    committer_.enqueue(pending_ack{std::move(part), std::move(res), std::move(cb)});
  }

  /// A write refused with disk_full: this log's count and the process's (the node's metric).
  void note_disk_full() {
    ++disk_full_errors_;
    ++disk_full_refusals();
  }

  static status closed_error() {
    return {errc::unavailable, "the log is closed (node shutting down); retry on another node"};
  }

  partition_settings settings_for(const std::string& name, const topic_config& tc) const {
    const topic_config eff = resolve_topic_config(tc, cfg_);
    partition_settings s;
    s.seg.index_interval_bytes = std::max(cfg_.index_interval_bytes, 1);
    s.seg.preallocate = cfg_.preallocate;
    s.seg.pre = pre_.get();
    s.seg.fds = fds_.get();
    s.seg.segment_bytes = std::clamp<int64_t>(eff.segment_bytes, 1024, max_segment_bytes);
    s.segment_ms = eff.segment_ms > 0 ? eff.segment_ms : cfg_.segment_ms;
    s.retention_bytes = eff.retention_bytes;
    s.retention_ms = eff.retention_ms;
    if (name == consumer_offsets_topic) s.retention_bytes = s.retention_ms = -1; // never delete
    return s;
  }

  result<std::shared_ptr<topic>> open_topic(const std::string& name, const topic_config& tc) {
    auto t = std::make_shared<topic>();
    t->cfg = tc;
    const auto s = settings_for(name, tc);
    for (int32_t i = 0; i < tc.partitions; ++i) {
      const partition_id id{i};
      auto p = partition::open(filename::partition_dir(cfg_.dir, name, id), name, id, s);
      if (!p) return p.error();
      t->parts.push_back(std::shared_ptr<partition>(std::move(p).value()));
    }
    return t;
  }

  status create_topic_impl(const std::string& name, const topic_config& requested) {
    if (auto st = validate_topic_config(name, requested); !st) return st;
    topic_config cfg = requested;
    cfg.incarnation = new_topic_incarnation();
    // One create or delete at a time (admin_mtx_); the topic map is locked only to
    // insert, so listings and fetches are answered while the files are made and fsynced.
    std::lock_guard<std::mutex> admin{admin_mtx_};
    if (find_topic(name)) {
      return {errc::topic_exists,
              "topic '" + name + "' already exists; delete it first or reuse it"};
    }
    const std::string tdir = filename::topic_dir(cfg_.dir, name);
    std::error_code ec;
    std::filesystem::remove_all(tdir, ec); // leftover of an interrupted create/delete
    auto fail = [&](status st) {
      std::filesystem::remove_all(tdir, ec);
      return st;
    };
    if (auto st = io::make_dir(tdir); !st) return st;
    auto t = open_topic(name, cfg);
    if (!t) return fail(t.error());
    if (auto st = io::fsync_dir(tdir); !st) return fail(st);
    if (auto st =
            io::write_file_atomic(filename::topic_meta(cfg_.dir, name), encode_topic_meta(cfg));
        !st) {
      return fail(st);
    }
    if (auto st = io::fsync_dir(cfg_.dir); !st) return fail(st);
    {
      std::unique_lock<std::shared_mutex> guard{topics_mtx_};
      topics_.emplace(name, std::move(t).value());
    }
    log_->info("created topic {} with {} partitions", name, cfg.partitions);
    return status::success();
  }

  std::shared_ptr<topic> find_topic(const std::string& name) const {
    std::shared_lock<std::shared_mutex> guard{topics_mtx_};
    auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : it->second;
  }

  result<std::shared_ptr<partition>> find_partition(const std::string& topic_name,
                                                    partition_id p) const {
    auto t = find_topic(topic_name);
    if (!t) return unknown_topic_error(topic_name);
    if (p.get() < 0 || p.get() >= t->cfg.partitions) {
      return unknown_partition_error(topic_name, p, t->cfg.partitions);
    }
    return t->parts[p.get()];
  }

  static topic_info describe(const std::string& name, const topic& t) {
    topic_info info;
    info.name = name;
    info.config = t.cfg;
    for (const auto& p : t.parts)
      info.partitions.push_back(p->info());
    return info;
  }

  status load_group_offsets() {
    auto part = find_partition(consumer_offsets_topic, partition_id{0});
    if (!part) return part.error();
    auto start = (*part)->list_offset(offset_spec::earliest, 0);
    if (!start) return start.error();
    offset_t pos = *start;
    size_t applied = 0;
    for (;;) {
      auto r = (*part)->fetch(pos, 4 << 20);
      if (!r) return r.error();
      if (r->records.empty()) break;
      for (const auto& sr : r->records) {
        auto d = decode_group_offset(sr.rec);
        if (!d) {
          log_->warn("{} offset {}: not a group offset record; skipped", consumer_offsets_topic,
                     sr.offset.get());
          continue;
        }
        apply_group_offset(groups_, d->first, d->second);
        ++applied;
      }
      pos = r->records.back().offset + 1;
    }
    log_->debug("replayed {} group offset commits", applied);
    return status::success();
  }

  const log_config cfg_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<bool> closed_{false};
  int lock_fd_ = -1;
  std::unique_ptr<preallocator> pre_; ///< declared before topics_: outlives the segments
  std::unique_ptr<fd_cache> fds_;     ///< likewise

  std::mutex admin_mtx_; ///< serialises topic create/delete (their file work)
  mutable std::shared_mutex topics_mtx_;
  std::map<std::string, std::shared_ptr<topic>> topics_;
  watch_registry watches_;

  std::mutex commit_mtx_;
  mutable std::mutex groups_mtx_;
  group_offsets_map groups_;

  group_committer committer_{cfg_.flush_max_delay_us}; ///< the flusher (group_commit.hpp)
  std::atomic<uint64_t> merged_groups_{0};
  std::atomic<uint64_t> merged_requests_{0};
  std::atomic<uint64_t> disk_full_errors_{0}; ///< appends and topic creates (stats())
};

status validate_log_config(const log_config& cfg) {
  if (cfg.dir.empty()) return {errc::invalid_config, "log.dir is empty; set the data directory"};
  if (cfg.max_record_bytes < 1) return {errc::invalid_config, "log.max_record_bytes must be >= 1"};
  if (cfg.index_interval_bytes < 1) {
    return {errc::invalid_config, "log.index_interval_bytes must be >= 1"};
  }
  if (cfg.segment_bytes < 1024 || cfg.segment_bytes > max_segment_bytes) {
    return {errc::invalid_config, "log.segment_bytes must be between 1024 and 1 GiB"};
  }
  if (cfg.segment_ms < 1) return {errc::invalid_config, "log.segment_ms must be >= 1"};
  if (cfg.max_open_files < 1) {
    return {errc::invalid_config, "log.max_open_files must be >= 1"};
  }
  if (cfg.flush_max_delay_us < 0 || cfg.flush_max_delay_us > 1000000) {
    return {errc::invalid_config, "log.flush_max_delay_us must be 0..1000000"};
  }
  return status::success();
}

} // namespace

result<std::unique_ptr<log_store>> open_file_log(const log_config& cfg) {
  if (auto st = validate_log_config(cfg); !st) return st;
  auto log = std::make_unique<file_log>(cfg);
  if (auto st = log->start(); !st) {
    log->close();
    return st;
  }
  return std::unique_ptr<log_store>(std::move(log));
}

uint64_t raise_open_files_limit(uint64_t* before) {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (before) *before = rl.rlim_cur;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur;
}

std::optional<file_log_stats> file_log_stats_of(const log_store& log) {
  if (auto* f = dynamic_cast<const file_log*>(&log)) return f->stats();
  return std::nullopt;
}

} // namespace pinpipe::storage
