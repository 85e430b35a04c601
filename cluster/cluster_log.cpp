#include "cluster/cluster_log.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "cluster/forwarder.hpp"
#include "cluster/metadata.hpp"
#include "cluster/replica_host.hpp"
#include "common/logging.hpp"
#include "storage/format.hpp"
#include "storage/request_checks.hpp"

namespace pinpipe::cluster {
namespace {

using clock_type = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

status no_leader_error(const std::string& what) {
  return status{errc::unavailable,
                "no leader for " + what +
                    " (an election is under way, or fewer than a majority of its replicas are "
                    "up); retry shortly, and check `cluster.sh status` / `pinpipe status`"};
}

/// One produce on its way to the partition's leader.
struct produce_job {
  storage::produce_request req;
  storage::produce_callback cb;
  group_id group = 0;
  std::string payload; ///< the encoded batch (base offset 0)
  clock_type::time_point deadline;
  int attempt = 0;
  bool idempotent() const { return req.producer_id >= 0 && req.base_sequence >= 0; }
};

class cluster_log_impl final : public cluster_log,
                               public std::enable_shared_from_this<cluster_log_impl> {
public:
  explicit cluster_log_impl(cluster_options o)
      : o_(std::move(o)), fwd_(o_.ms, o_.curve_public_key, o_.curve_secret_key,
                               o_.forward_timeout_ms) {}

  status start() {
    host_options ho;
    ho.self = o_.ms.self;
    ho.dir = o_.dir;
    ho.election_timeout_ms = o_.ms.election_timeout_ms;
    ho.heartbeat_ms = o_.ms.heartbeat_ms;
    auto h = replica_host::start(
        ho, o_.ms.ids(),
        [this](node_id to, group_id g, raft::message m) {
          std::lock_guard<std::mutex> lock(send_mu_);
          if (send_) send_(to, g, std::move(m));
        },
        [this](offset_t off, const raft::entry& e, replica_host::apply_effects& fx) {
          return apply(off, e, fx);
        },
        [this](const group_info& g, node_id leader, term_t term,
               const std::vector<int32_t>& in_sync) { on_role(g, leader, term, in_sync); });
    if (!h) return h.error();
    host_ = std::move(*h);
    return {};
  }

  ~cluster_log_impl() override { close(); }

  // -- cluster_log -------------------------------------------------------------------------
  void set_sender(sender s) override {
    std::lock_guard<std::mutex> lock(send_mu_);
    send_ = std::move(s);
  }
  void set_liveness(std::function<bool(node_id)> up) override {
    std::lock_guard<std::mutex> lock(send_mu_);
    up_ = std::move(up);
  }
  bool peer_up(node_id id) {
    std::lock_guard<std::mutex> lock(send_mu_);
    return !up_ || up_(id);
  }
  void deliver(uint64_t group, raft::message m) override {
    if (host_) host_->deliver(group, std::move(m));
  }
  status wait_for_quorum(int timeout_ms) override {
    const auto deadline = clock_type::now() + std::chrono::milliseconds(timeout_ms);
    while (clock_type::now() < deadline && !closing_.load()) {
      if (host_->leader_of(metadata_group).first.value != 0) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return no_leader_error("the metadata group");
  }
  status move_leader(const std::string& topic, int32_t partition, node_id to) override {
    auto t = meta_.topic(topic);
    if (!t) return missing_topic(topic);
    if (partition < 0 || partition >= static_cast<int32_t>(t->partitions.size()))
      return storage::unknown_partition_error(topic, partition_id{partition},
                                              static_cast<int32_t>(t->partitions.size()));
    const auto& reps = t->partitions[static_cast<size_t>(partition)].replicas;
    if (std::find(reps.begin(), reps.end(), to.value) == reps.end())
      return status{errc::invalid_argument, "node " + std::to_string(to.value) +
                                                " holds no replica of " + topic + "/" +
                                                std::to_string(partition)};
    const group_id g = partition_group(t->topic_key, partition);
    auto [leader, term] = host_->leader_of(g);
    if (leader == to) return {};
    if (leader.value == 0) return no_leader_error(topic + "/" + std::to_string(partition));
    if (leader != o_.ms.self) {
      return status{errc::not_leader, "node " + std::to_string(leader.value) + " leads " + topic +
                                          "/" + std::to_string(partition) +
                                          "; run move-leader against that node (-b its endpoint)"};
    }
    if (auto st = host_->transfer(g, to); !st) return st;
    const auto deadline = clock_type::now() + std::chrono::milliseconds(3000);
    while (clock_type::now() < deadline) {
      if (host_->leader_of(g).first == to) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status{errc::timeout, "node " + std::to_string(to.value) +
                                     " did not take over within 3 s (is it up and caught up?)"};
  }
  void hand_off_leadership(int wait_ms) override {
    if (host_) host_->hand_off_leadership(wait_ms);
  }
  node_id metadata_leader() const override { return host_->leader_of(metadata_group).first; }
  std::vector<std::string> led_partitions() const override {
    std::vector<std::string> out;
    for (const auto& g : host_->groups())
      if (g.id != metadata_group && host_->leader_of(g.id).first == o_.ms.self)
        out.push_back(g.topic + "/" + std::to_string(g.partition));
    std::sort(out.begin(), out.end());
    return out;
  }
  node_id leader_of(const std::string& topic, int32_t partition) const override {
    auto t = meta_.topic(topic);
    if (!t || partition < 0 || partition >= static_cast<int32_t>(t->partitions.size()))
      return node_id{0};
    const group_id g = partition_group(t->topic_key, partition);
    if (host_->view(g)) return host_->leader_of(g).first;
    return node_id{std::max(0, t->partitions[static_cast<size_t>(partition)].leader)};
  }

  // -- topics ------------------------------------------------------------------------------
  status create_topic(const std::string& name, const storage::topic_config& cfg_in) override {
    if (auto st = storage::validate_topic_name(name); !st) return st;
    storage::topic_config cfg = cfg_in;
    if (cfg.partitions <= 0) cfg.partitions = o_.default_partitions;
    if (auto st = storage::validate_topic_config(name, cfg); !st) return st;
    if (cfg.partitions > max_partitions)
      return status{errc::invalid_argument, "at most " + std::to_string(max_partitions) +
                                                " partitions per topic"};
    const auto n = static_cast<int32_t>(o_.ms.members.size());
    const int32_t rf = cfg.replication_factor > 0 ? cfg.replication_factor : o_.ms.replication_factor;
    if (rf > n)
      return status{errc::invalid_argument,
                    "replication factor " + std::to_string(rf) + " is more than the " +
                        std::to_string(n) + " nodes of the cluster; use --replicas 1.." +
                        std::to_string(n)};
    cfg.replication_factor = rf;
    cfg.incarnation = storage::new_topic_incarnation();
    meta_command c;
    c.kind = meta_command::create_topic;
    c.topic = name;
    c.config = cfg;
    uint32_t h = 0;
    for (unsigned char ch : name) h = h * 31 + ch;
    c.assignment = place_replicas(o_.ms.ids(), cfg.partitions, rf, static_cast<int32_t>(h % n));
    auto st = run_meta(c, [&](logclient::remote_log_client& r) { return r.create_topic(name, cfg); });
    if (!st) return st;
    // Return once this node knows the topic and every partition has a leader, so the
    // caller can produce at once, here or anywhere.
    wait_until([&] {
      auto t = meta_.topic(name);
      if (!t) return false;
      for (size_t p = 0; p < t->partitions.size(); ++p) {
        const group_id g = partition_group(t->topic_key, static_cast<int32_t>(p));
        if (host_->view(g) && host_->leader_of(g).first.value == 0) return false;
      }
      return true;
    });
    return {};
  }

  status delete_topic(const std::string& name) override {
    if (!meta_.topic(name)) return missing_topic(name);
    meta_command c;
    c.kind = meta_command::delete_topic;
    c.topic = name;
    auto st = run_meta(c, [&](logclient::remote_log_client& r) { return r.delete_topic(name); });
    if (st) wait_until([&] { return !meta_.topic(name); });
    return st;
  }

  std::vector<storage::topic_info> list_topics() const override {
    std::vector<storage::topic_info> out;
    for (const auto& t : meta_.topics()) out.push_back(info_of(t));
    return out;
  }

  result<storage::topic_info> describe_topic(const std::string& name) const override {
    auto t = meta_.topic(name);
    if (!t) return missing_topic(name);
    return info_of(*t);
  }

  // -- writes ------------------------------------------------------------------------------
  void produce(storage::produce_request req, storage::produce_callback cb) override {
    auto job = std::make_shared<produce_job>();
    job->req = std::move(req);
    job->cb = std::move(cb);
    job->deadline = clock_type::now() + std::chrono::milliseconds(o_.request_timeout_ms);
    auto t = meta_.topic(job->req.topic);
    if (!t) return fail(*job, missing_topic(job->req.topic));
    const auto parts = static_cast<int32_t>(t->partitions.size());
    if (job->req.partition.value < 0 || job->req.partition.value >= parts)
      return fail(*job, storage::unknown_partition_error(job->req.topic, job->req.partition, parts));
    if (auto st = storage::validate_produce(job->req, o_.log_defaults.max_record_bytes); !st)
      return fail(*job, st);
    job->group = partition_group(t->topic_key, job->req.partition.value);
    const int64_t ts = now_ms();
    for (auto& r : job->req.records)
      if (r.timestamp_ms == 0) r.timestamp_ms = ts;
    storage::format::encode_batch(job->req.records, 0, 0, job->req.producer_id,
                                  job->req.base_sequence, job->payload);
    attempt(job);
  }

  void produce_many(std::vector<storage::produce_request> reqs,
                    std::vector<storage::produce_callback> cbs, storage::commit_on) override {
    for (size_t i = 0; i < reqs.size(); ++i) produce(std::move(reqs[i]), std::move(cbs[i]));
  }

  // -- reads -------------------------------------------------------------------------------
  result<storage::fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                                      int32_t max_bytes) const override {
    auto v = local_view(topic, p);
    if (!v) return v.error();
    if (*v) return (*v)->fetch(from, max_bytes);
    return with_remote(topic, p, [&](logclient::remote_log_client& r) {
      return r.fetch(topic, p, from, max_bytes);
    });
  }

  result<storage::fetch_result> fetch_each(const std::string& topic, partition_id p, offset_t from,
                                           int32_t max_bytes,
                                           const storage::record_visitor& fn) const override {
    auto v = local_view(topic, p);
    if (!v) return v.error();
    if (*v) return (*v)->fetch_each(from, max_bytes, fn);
    return with_remote(topic, p, [&](logclient::remote_log_client& r) {
      return r.fetch_each(topic, p, from, max_bytes, fn);
    });
  }

  result<offset_t> list_offset(const std::string& topic, partition_id p, storage::offset_spec spec,
                               int64_t ts_ms) const override {
    auto v = local_view(topic, p);
    if (!v) return v.error();
    if (*v) return (*v)->list_offset(spec, ts_ms);
    return with_remote(topic, p, [&](logclient::remote_log_client& r) {
      return r.list_offset(topic, p, spec, ts_ms);
    });
  }

  uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                 std::function<void()> cb) override {
    auto v = local_view(topic, p);
    if (v && *v) {
      const uint64_t inner = (*v)->watch(after, cb);
      std::lock_guard<std::mutex> lock(watch_mu_);
      const uint64_t id = next_watch_++;
      watches_[id] = {*v, inner};
      return id;
    }
    // No replica here (or no such partition): wake the waiter after a short pause so it
    // fetches again (and gets the data or the error).
    fwd_.post(std::move(cb), 100);
    std::lock_guard<std::mutex> lock(watch_mu_);
    return next_watch_++;
  }

  void cancel_watch(uint64_t id) override {
    std::pair<std::shared_ptr<replica_view>, uint64_t> w;
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      auto it = watches_.find(id);
      if (it == watches_.end()) return;
      w = it->second;
      watches_.erase(it);
    }
    w.first->cancel_watch(w.second);
  }

  // -- consumer groups ---------------------------------------------------------------------
  status commit_offsets(const std::string& group,
                        const std::vector<storage::group_offset>& offs) override {
    if (group.empty()) return status{errc::invalid_argument, "empty consumer group name"};
    for (const auto& o : offs) {
      auto t = meta_.topic(o.topic);
      if (!t) return missing_topic(o.topic);
    }
    meta_command c;
    c.kind = meta_command::commit_offsets;
    c.group = group;
    c.offsets = offs;
    return run_meta(c, [&](logclient::remote_log_client& r) { return r.commit_offsets(group, offs); });
  }

  std::vector<storage::group_offset> committed_offsets(const std::string& group) const override {
    return meta_.offsets(group);
  }

  // -- maintenance -------------------------------------------------------------------------
  void enforce_retention() override {} // not yet for replicated partitions (docs/cluster.md)

  void close() override {
    closing_.store(true);
    std::call_once(closed_, [this] {
      if (host_) host_->stop();
      fwd_.stop();
    });
  }

private:
  /// An unknown topic, or (just after a restart, before this node re-applied the metadata
  /// it had stored) a retriable "not loaded yet".
  status missing_topic(const std::string& name) const {
    // (A stored tail that was never committed may be cut by the leader and never reached:
    // after 10 s an unknown topic is unknown.)
    auto v = host_ ? host_->view(metadata_group) : nullptr;
    if (v && v->high_watermark() < v->loaded_data_end() &&
        clock_type::now() - started_ < std::chrono::seconds(10))
      return status{errc::unavailable,
                    "node " + std::to_string(o_.ms.self.value) +
                        " is still loading the cluster metadata after its start (topic '" + name +
                        "' unknown so far); retry in a moment, or ask another node"};
    return storage::unknown_topic_error(name);
  }

  void fail(produce_job& job, const status& st) {
    storage::produce_result r;
    r.st = st;
    job.cb(r);
  }

  bool retry_or_fail(const std::shared_ptr<produce_job>& job, const status& why) {
    if (fwd_.stopping() || clock_type::now() >= job->deadline) {
      fail(*job, why);
      return false;
    }
    const int delay = std::min(25 << std::min(job->attempt, 4), 400);
    ++job->attempt;
    auto self = shared_from_this();
    fwd_.post([self, job] { self->attempt(job); }, delay);
    return true;
  }

  void attempt(const std::shared_ptr<produce_job>& job) {
    if (fwd_.stopping()) return fail(*job, status{errc::unavailable, "the node is shutting down"});
    const std::string what = job->req.topic + "/" + std::to_string(job->req.partition.value);
    auto [leader, term] = host_->leader_of(job->group);
    if (!host_->view(job->group)) { // no replica here: metadata's leader, else a replica
      auto t = meta_.topic(job->req.topic);
      if (!t) return fail(*job, missing_topic(job->req.topic));
      const auto& pm = t->partitions[static_cast<size_t>(job->req.partition.value)];
      leader = node_id{std::max(0, pm.leader)};
      if ((leader.value == 0 || !peer_up(leader)) && !pm.replicas.empty()) {
        // A replica knows its leader and forwards there (one more hop).
        for (size_t k = 0; k < pm.replicas.size(); ++k) {
          const node_id r{pm.replicas[(static_cast<size_t>(job->attempt) + k) % pm.replicas.size()]};
          if (peer_up(r)) {
            leader = r;
            break;
          }
        }
      }
    }
    if (leader.value == 0 || (leader != o_.ms.self && !peer_up(leader))) {
      retry_or_fail(job, no_leader_error(what));
      return;
    }
    if (leader == o_.ms.self) {
      raft::proposal p;
      p.record_count = static_cast<int32_t>(job->req.records.size());
      p.acks = job->req.required_acks == storage::acks::all ? raft::acks_mode::all
                                                             : raft::acks_mode::leader;
      p.producer_id = job->req.producer_id;
      p.base_sequence = job->req.base_sequence;
      p.payload = job->payload;
      auto self = shared_from_this();
      host_->propose(job->group, std::move(p), [self, job, what](const proposal_outcome& o) {
        self->on_outcome(job, o, what);
      });
      return;
    }
    // Another node leads: hand the request to it (on a forwarder thread).
    auto self = shared_from_this();
    fwd_.post([self, job, leader = leader, what] {
      auto* c = self->fwd_.client(leader);
      if (!c) {
        self->retry_or_fail(job, status{errc::unavailable, "cannot reach node " +
                                                               std::to_string(leader.value)});
        return;
      }
      auto r = logclient::produce_sync(*c, job->req);
      const errc code = r.st.code();
      if (r.st.ok()) return job->cb(r);
      // not_leader / no leader: nothing was appended. unavailable from the connection (a
      // refused or dropped one): nothing was delivered. Only an "outcome unknown" answer
      // may not be resent without a producer id.
      if (code == errc::not_leader ||
          (code == errc::unavailable && r.st.message().find("unknown") == std::string::npos)) {
        self->retry_or_fail(job, r.st);
        return;
      }
      if ((code == errc::timeout || code == errc::unavailable) && job->idempotent()) {
        self->retry_or_fail(job, r.st);
        return;
      }
      job->cb(r);
    });
  }

  void on_outcome(const std::shared_ptr<produce_job>& job, const proposal_outcome& o,
                  const std::string& what) {
    storage::produce_result r;
    if (o.ack.code == errc::ok) {
      r.base_offset = o.ack.base;
      r.last_offset = o.ack.last;
      r.duplicate = o.ack.duplicate;
      r.append_time_ms = now_ms();
      return job->cb(r);
    }
    const bool accepted = o.accepted;
    if (o.ack.code == errc::not_leader && (!accepted || job->idempotent())) {
      retry_or_fail(job, status{errc::not_leader, "no leader for " + what + " took the batch in time"});
      return;
    }
    if (o.ack.code == errc::unavailable && !accepted) { // leadership transfer in progress
      retry_or_fail(job, status{errc::unavailable, o.message});
      return;
    }
    r.st = status{o.ack.code == errc::not_leader ? errc::unavailable : o.ack.code,
                  what + ": " + (o.message.empty() ? "refused" : o.message) +
                      (accepted ? " (use an idempotent producer to retry safely)" : "")};
    job->cb(r);
  }

  /// Proposes a metadata command (here if this node leads the metadata group, else on the
  /// leader through `remote`) and waits for it to be applied.
  status run_meta(const meta_command& c,
                  const std::function<status(logclient::remote_log_client&)>& remote) {
    const auto deadline = clock_type::now() + std::chrono::milliseconds(o_.request_timeout_ms);
    // Without a metadata leader give up sooner, so the CLI (3 s by default) gets this
    // node's answer rather than its own timeout.
    const auto leaderless_deadline = clock_type::now() + std::chrono::milliseconds(2500);
    const std::string payload = encode(c);
    status last = no_leader_error("the metadata group");
    for (int attempt = 0; clock_type::now() < deadline && !closing_.load(); ++attempt) {
      if (attempt > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(25 << std::min(attempt, 4), 400)));
      const node_id leader = host_->leader_of(metadata_group).first;
      if (leader.value == 0 || (leader != o_.ms.self && !peer_up(leader))) {
        if (clock_type::now() >= leaderless_deadline) break;
        continue;
      }
      if (leader != o_.ms.self) {
        auto* r = fwd_.client(leader);
        if (!r) continue;
        last = remote(*r);
        if (last.ok()) {
          wait_until([&] { return applied_here(c); });
          return last;
        }
        if (last.code() == errc::not_leader || last.code() == errc::unavailable ||
            last.code() == errc::timeout)
          continue;
        return last;
      }
      auto prom = std::make_shared<std::promise<proposal_outcome>>();
      auto fut = prom->get_future();
      raft::proposal p;
      p.acks = raft::acks_mode::all;
      p.payload = payload;
      host_->propose(metadata_group, std::move(p),
                     [prom](const proposal_outcome& o) { prom->set_value(o); });
      if (fut.wait_until(deadline) != std::future_status::ready)
        return status{errc::timeout, "the metadata change did not commit within " +
                                         std::to_string(o_.request_timeout_ms) +
                                         " ms (is a majority of the nodes up?)"};
      auto o = fut.get();
      if (o.ack.code == errc::ok) return o.applied;
      last = status{o.ack.code, o.message};
      if (o.ack.code == errc::not_leader || o.ack.code == errc::unavailable) continue;
      return last;
    }
    return last;
  }

  bool applied_here(const meta_command& c) const {
    switch (c.kind) {
    case meta_command::create_topic:
      return meta_.topic(c.topic).has_value();
    case meta_command::delete_topic:
      return !meta_.topic(c.topic).has_value();
    default:
      return true;
    }
  }

  void wait_until(const std::function<bool()>& done) const {
    const auto deadline = clock_type::now() + std::chrono::milliseconds(o_.request_timeout_ms);
    while (!closing_.load() && !done() && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  status apply(offset_t off, const raft::entry& e, replica_host::apply_effects& fx) {
    auto c = decode_meta_command(e.payload);
    if (!c) {
      logging::get("cluster")->error("metadata entry at {} skipped: {}", off.value,
                                     c.error().to_string());
      return c.error();
    }
    std::optional<topic_meta> before;
    if (c->kind == meta_command::delete_topic) before = meta_.topic(c->topic);
    auto st = meta_.apply(off, *c);
    if (!st) return st;
    if (c->kind == meta_command::create_topic) {
      auto t = meta_.topic(c->topic);
      for (size_t p = 0; p < t->partitions.size(); ++p) {
        const auto& reps = t->partitions[p].replicas;
        if (std::find(reps.begin(), reps.end(), o_.ms.self.value) == reps.end()) continue;
        group_info gi;
        gi.id = partition_group(t->topic_key, static_cast<int32_t>(p));
        gi.topic = t->name;
        gi.partition = static_cast<int32_t>(p);
        for (int32_t r : reps) gi.voters.push_back(node_id{r});
        fx.open.push_back(gi);
      }
    } else if (c->kind == meta_command::delete_topic && before) {
      for (size_t p = 0; p < before->partitions.size(); ++p)
        fx.drop.push_back(partition_group(before->topic_key, static_cast<int32_t>(p)));
    }
    return {};
  }

  /// The replica host saw a leader, term or in-sync change of a group.
  void on_role(const group_info& g, node_id leader, term_t term, const std::vector<int32_t>& in_sync) {
    if (g.id == metadata_group || leader != o_.ms.self) return;
    // Report it to the metadata group (for nodes without a replica, and `describe`), once
    // per change, from a forwarder thread (this is the host thread: never wait here).
    meta_command c;
    c.kind = meta_command::leader;
    c.topic = g.topic;
    c.topic_key = static_cast<int64_t>(g.id >> 20);
    c.partition = g.partition;
    c.leader_id = leader.value;
    c.term = term.value;
    c.in_sync = in_sync;
    auto self = shared_from_this();
    fwd_.post([self, c] {
      if (self->fwd_.stopping()) return;
      const node_id ml = self->host_->leader_of(metadata_group).first;
      if (ml.value == 0) return; // the next change reports again
      if (ml == self->o_.ms.self) {
        raft::proposal p;
        p.acks = raft::acks_mode::leader;
        p.payload = encode(c);
        self->host_->propose(metadata_group, std::move(p), [](const proposal_outcome&) {});
      }
      // On another node the metadata leader learns it when it is this partition's
      // replica; describe there reads the live view.
    });
    // Spread leaders: the first leader of a new partition (no records yet) hands over to
    // the preferred replica (the first of the assignment) once. Later elections (after a
    // failure) keep their winner: moving back would cost another election.
    auto v = host_->view(g.id);
    if (!v || v->high_watermark().value != 0) return;
    std::lock_guard<std::mutex> lock(pref_mu_);
    if (preferred_done_.insert(g.id).second && !g.voters.empty()) {
      auto t = meta_.topic(g.topic);
      if (t && static_cast<size_t>(g.partition) < t->partitions.size()) {
        const int32_t pref = t->partitions[static_cast<size_t>(g.partition)].replicas.front();
        if (pref != o_.ms.self.value &&
            std::find(in_sync.begin(), in_sync.end(), pref) != in_sync.end()) {
          auto h = host_.get();
          const group_id gid = g.id;
          fwd_.post([h, gid, pref] { (void)h->transfer(gid, node_id{pref}); }, 0);
        } else if (pref != o_.ms.self.value) {
          preferred_done_.erase(g.id); // try again once it is in sync
        }
      }
    }
  }

  /// This node's replica of topic/p, nullptr when it has none; an error for an unknown
  /// topic or partition.
  result<std::shared_ptr<replica_view>> local_view(const std::string& topic, partition_id p) const {
    auto t = meta_.topic(topic);
    if (!t) return missing_topic(topic);
    const auto parts = static_cast<int32_t>(t->partitions.size());
    if (p.value < 0 || p.value >= parts) return storage::unknown_partition_error(topic, p, parts);
    return host_->view(partition_group(t->topic_key, p.value));
  }

  template <class R>
  R with_remote(const std::string& topic, partition_id p,
                const std::function<R(logclient::remote_log_client&)>& fn) const {
    auto t = meta_.topic(topic);
    if (!t) return missing_topic(topic);
    const auto& pm = t->partitions[static_cast<size_t>(p.value)];
    std::vector<int32_t> order;
    if (pm.leader > 0) order.push_back(pm.leader);
    for (int32_t r : pm.replicas)
      if (r != pm.leader) order.push_back(r);
    status last = no_leader_error(topic + "/" + std::to_string(p.value));
    for (int32_t id : order) {
      auto* c = fwd_.client(node_id{id});
      if (!c) continue;
      R r = fn(*c);
      if (r) return r;
      last = r.error();
      if (last.code() != errc::unavailable && last.code() != errc::timeout) return r;
    }
    return last;
  }
  result<storage::fetch_result> with_remote(const std::string& topic, partition_id p,
                                            const std::function<result<storage::fetch_result>(logclient::remote_log_client&)>& fn) const {
    return with_remote<result<storage::fetch_result>>(topic, p, fn);
  }
  result<offset_t> with_remote(const std::string& topic, partition_id p,
                               const std::function<result<offset_t>(logclient::remote_log_client&)>& fn) const {
    return with_remote<result<offset_t>>(topic, p, fn);
  }

  storage::topic_info info_of(const topic_meta& t) const {
    storage::topic_info ti;
    ti.name = t.name;
    ti.config = t.config;
    for (size_t p = 0; p < t.partitions.size(); ++p) {
      const auto& pm = t.partitions[p];
      storage::partition_info pi;
      pi.id = partition_id{static_cast<int32_t>(p)};
      pi.replicas = pm.replicas;
      pi.leader = pm.leader;
      pi.leader_term = pm.term;
      pi.in_sync = pm.in_sync;
      const group_id g = partition_group(t.topic_key, static_cast<int32_t>(p));
      if (auto v = host_->view(g)) {
        pi.log_start = v->log_start();
        pi.high_watermark = v->high_watermark();
        pi.size_bytes = v->size_bytes();
        pi.segments = 1;
        if (v->term() >= pi.leader_term) {
          pi.leader = v->leader();
          pi.leader_term = v->term();
          if (v->leader() == o_.ms.self.value) pi.in_sync = v->in_sync();
        }
      }
      ti.partitions.push_back(std::move(pi));
    }
    return ti;
  }

  cluster_options o_;
  mutable forwarder fwd_;
  meta_state meta_;
  std::unique_ptr<replica_host> host_;
  std::mutex send_mu_;
  sender send_;
  std::function<bool(node_id)> up_;
  mutable std::mutex watch_mu_;
  uint64_t next_watch_ = 1;
  std::map<uint64_t, std::pair<std::shared_ptr<replica_view>, uint64_t>> watches_;
  std::mutex pref_mu_;
  std::set<group_id> preferred_done_;
  std::once_flag closed_;
  std::atomic<bool> closing_{false};
  const clock_type::time_point started_ = clock_type::now();
};

} // namespace

result<std::shared_ptr<cluster_log>> cluster_log::open(cluster_options o) {
  auto log = std::make_shared<cluster_log_impl>(std::move(o));
  if (auto st = log->start(); !st) return st;
  return std::shared_ptr<cluster_log>(log);
}

} // namespace pinpipe::cluster
