#include "logclient/remote_log_client.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "logclient/wire_convert.hpp"
#include "transport/client.hpp"

namespace pinpipe::logclient {

namespace m = pinpipe::messages;

namespace {

topic_info from_wire_info(const m::wire_topic_info& w) {
  topic_info t;
  t.name = w.name;
  t.config = from_wire(w.config);
  for (const auto& p : w.partitions) {
    partition_info pi;
    pi.id = p.id;
    pi.log_start = p.log_start;
    pi.high_watermark = p.high_watermark;
    pi.size_bytes = p.size_bytes;
    pi.segments = p.segments;
    pi.leader = p.leader;
    pi.leader_term = p.leader_term;
    pi.replicas = p.replicas;
    pi.in_sync = p.in_sync;
    t.partitions.push_back(pi);
  }
  return t;
}

fetch_result from_wire_fetch(m::fetch_response&& w) {
  fetch_result r;
  r.high_watermark = w.high_watermark;
  r.log_start = w.log_start;
  r.records.reserve(w.records.size());
  for (auto& s : w.records)
    r.records.push_back(storage::stored_record{s.offset, from_wire(s.record)});
  return r;
}

transport::client_options to_transport(const remote_options& o, const std::string& name) {
  transport::client_options t;
  t.endpoint = o.endpoint;
  t.server_public_key = o.server_public_key;
  t.curve_public_key = o.curve_public_key;
  t.curve_secret_key = o.curve_secret_key;
  t.name = name;
  return t;
}

} // namespace

struct remote_log_client::impl {
  remote_options opts;
  mutable std::mutex mu; // one request at a time on the socket
  std::unique_ptr<transport::client> conn;

  template <class Req> result<m::response_of<Req>> call(const Req& req) const {
    std::lock_guard<std::mutex> lk(mu);
    auto r = transport::request(*conn, req, opts.timeout_ms);
    if (!r) return r.error();
    return r;
  }

  // -- watches: one thread, its own connection, polling high watermarks ---------------
  struct watch_entry {
    std::string topic;
    partition_id partition{0};
    offset_t after{0};
    std::function<void()> cb;
  };
  std::mutex wmu;
  std::condition_variable wcv;
  std::map<uint64_t, watch_entry> watches;
  uint64_t next_watch = 0;
  bool stopping = false;
  std::thread watcher;

  void watch_loop(std::unique_ptr<transport::client> wconn) {
    int interval = std::max(100, opts.poll_interval_ms);
    std::unique_lock<std::mutex> lk(wmu);
    while (!stopping) {
      std::vector<std::pair<uint64_t, watch_entry>> snapshot(watches.begin(), watches.end());
      lk.unlock();
      std::vector<uint64_t> ready;
      for (const auto& [id, w] : snapshot) {
        m::list_offsets_request q;
        q.topic = w.topic;
        q.partition = w.partition;
        q.spec = 1; // latest
        auto r = transport::request(*wconn, q, opts.timeout_ms);
        // A partition that is gone also wakes its watcher: its next fetch reports why.
        if (!r || r->error != errc::ok || r->offset > w.after) ready.push_back(id);
      }
      lk.lock();
      for (auto id : ready) {
        auto it = watches.find(id);
        if (it == watches.end()) continue; // cancelled meanwhile
        auto cb = std::move(it->second.cb);
        watches.erase(it);
        lk.unlock();
        cb();
        lk.lock();
      }
      wcv.wait_for(lk, std::chrono::milliseconds(interval),
                   [&] { return stopping; });
    }
  }
};

remote_log_client::remote_log_client() : impl_(std::make_unique<impl>()) {}

remote_log_client::~remote_log_client() {
  {
    std::lock_guard<std::mutex> lk(impl_->wmu);
    impl_->stopping = true;
  }
  impl_->wcv.notify_all();
  if (impl_->watcher.joinable()) impl_->watcher.join();
}

result<std::unique_ptr<remote_log_client>> remote_log_client::connect(const remote_options& o) {
  auto c = transport::client::connect(to_transport(o, o.name));
  if (!c) return c.error();
  std::unique_ptr<remote_log_client> self(new remote_log_client());
  self->impl_->opts = o;
  self->impl_->conn = std::move(*c);
  return self;
}

status remote_log_client::create_topic(const std::string& name, const topic_config& cfg) {
  m::create_topic_request q;
  q.name = name;
  q.config = to_wire(cfg);
  auto r = impl_->call(q);
  return r ? m::status_of(*r) : r.error();
}

status remote_log_client::delete_topic(const std::string& name) {
  m::delete_topic_request q;
  q.name = name;
  auto r = impl_->call(q);
  return r ? m::status_of(*r) : r.error();
}

result<std::vector<topic_info>> remote_log_client::try_list_topics() const {
  auto r = impl_->call(m::list_topics_request{});
  if (!r) return r.error();
  if (r->error != errc::ok) return m::status_of(*r);
  std::vector<topic_info> out;
  for (const auto& t : r->topics)
    out.push_back(from_wire_info(t));
  return out;
}

std::vector<topic_info> remote_log_client::list_topics() const {
  auto r = try_list_topics();
  return r ? std::move(*r) : std::vector<topic_info>{};
}

result<topic_info> remote_log_client::describe_topic(const std::string& name) const {
  m::describe_topic_request q;
  q.name = name;
  auto r = impl_->call(q);
  if (!r) return r.error();
  if (r->error != errc::ok) return m::status_of(*r);
  return from_wire_info(r->topic);
}

void remote_log_client::produce(produce_request req, produce_callback cb) {
  m::produce_request q;
  q.topic = std::move(req.topic);
  q.partition = req.partition;
  q.acks = static_cast<int8_t>(req.required_acks);
  q.producer_id = req.producer_id;
  q.base_sequence = req.base_sequence;
  q.records.reserve(req.records.size());
  for (const auto& rec : req.records)
    q.records.push_back(to_wire(rec));
  auto r = impl_->call(q);
  produce_result out;
  if (!r) {
    out.st = r.error();
  } else {
    out.st = m::status_of(*r);
    out.base_offset = r->base_offset;
    out.last_offset = r->last_offset;
    out.duplicate = r->duplicate;
  }
  cb(std::move(out));
}

void remote_log_client::produce_many(std::vector<produce_request> reqs,
                                     std::vector<produce_callback> cbs, commit_on) {
  for (size_t i = 0; i < reqs.size(); ++i)
    produce(std::move(reqs[i]), std::move(cbs[i]));
}

result<fetch_result> remote_log_client::fetch(const std::string& topic, partition_id p,
                                              offset_t from, int32_t max_bytes) const {
  m::fetch_request q;
  q.topic = topic;
  q.partition = p;
  q.offset = from;
  q.max_bytes = max_bytes;
  auto r = impl_->call(q);
  if (!r) return r.error();
  if (r->error != errc::ok) return m::status_of(*r);
  return from_wire_fetch(std::move(*r));
}

result<fetch_result> remote_log_client::fetch_each(const std::string& topic, partition_id p,
                                                   offset_t from, int32_t max_bytes,
                                                   const record_visitor& fn) const {
  auto r = fetch(topic, p, from, max_bytes);
  if (!r) return r;
  record_view v;
  for (const auto& s : r->records) {
    storage::view_of(s, v);
    if (!fn(v)) break;
  }
  r->records.clear();
  return r;
}

result<offset_t> remote_log_client::list_offset(const std::string& topic, partition_id p,
                                                offset_spec spec, int64_t ts_ms) const {
  m::list_offsets_request q;
  q.topic = topic;
  q.partition = p;
  q.spec = spec == offset_spec::earliest ? 0 : spec == offset_spec::latest ? 1 : 2;
  q.timestamp_ms = ts_ms;
  auto r = impl_->call(q);
  if (!r) return r.error();
  if (r->error != errc::ok) return m::status_of(*r);
  return offset_t{r->offset};
}

uint64_t remote_log_client::watch(const std::string& topic, partition_id p, offset_t after,
                                  std::function<void()> cb) {
  std::unique_lock<std::mutex> lk(impl_->wmu);
  uint64_t id = ++impl_->next_watch;
  impl_->watches[id] = impl::watch_entry{topic, p, after, std::move(cb)};
  if (!impl_->watcher.joinable()) {
    auto wconn = transport::client::connect(to_transport(impl_->opts, impl_->opts.name + "-watch"));
    if (!wconn) {
      // No second connection: fire at once; the caller's next fetch reports the problem.
      auto fire = std::move(impl_->watches[id].cb);
      impl_->watches.erase(id);
      lk.unlock();
      fire();
      return id;
    }
    impl_->watcher = std::thread([this, c = std::move(*wconn)]() mutable {
      impl_->watch_loop(std::move(c));
    });
  }
  lk.unlock();
  impl_->wcv.notify_all();
  return id;
}

void remote_log_client::cancel_watch(uint64_t id) {
  std::lock_guard<std::mutex> lk(impl_->wmu);
  impl_->watches.erase(id);
}

status remote_log_client::commit_offsets(const std::string& group,
                                         const std::vector<group_offset>& offs) {
  m::commit_offsets_request q;
  q.group = group;
  for (const auto& g : offs)
    q.offsets.push_back(to_wire(g));
  auto r = impl_->call(q);
  return r ? m::status_of(*r) : r.error();
}

result<std::vector<group_offset>>
remote_log_client::try_committed_offsets(const std::string& group) const {
  m::fetch_offsets_request q;
  q.group = group;
  auto r = impl_->call(q);
  if (!r) return r.error();
  if (r->error != errc::ok) return m::status_of(*r);
  std::vector<group_offset> out;
  for (const auto& g : r->offsets)
    out.push_back(from_wire(g));
  return out;
}

std::vector<group_offset> remote_log_client::committed_offsets(const std::string& group) const {
  auto r = try_committed_offsets(group);
  return r ? std::move(*r) : std::vector<group_offset>{};
}

} // namespace pinpipe::logclient
