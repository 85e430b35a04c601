#include "cluster/replica_host.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "cluster/raft_disk.hpp"
#include "common/file_write.hpp"
#include "common/logging.hpp"

namespace pinpipe::cluster {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct replica_host::group {
  group_info info;
  std::unique_ptr<raft_disk> disk;
  std::unique_ptr<raft::node> node;
  std::shared_ptr<replica_view> view;
  std::map<uint64_t, outcome_fn> waiting; ///< proposal id -> its proposer
  uint64_t next_proposal = 1;
  offset_t applied = raft::no_offset;     ///< metadata group: last applied offset
  std::map<int64_t, status> apply_results; ///< metadata: offset -> result, until acked
  node_id seen_leader{0};
  term_t seen_term{0};
  std::vector<int32_t> seen_in_sync;
  bool failed = false;
};

namespace {

std::string group_dir(const std::string& root, group_id g) {
  return root + "/g" + std::to_string(g);
}

std::string info_text(const group_info& g) {
  std::ostringstream os;
  os << "group=" << g.id << "\ntopic=" << g.topic << "\npartition=" << g.partition << "\nvoters=";
  for (size_t i = 0; i < g.voters.size(); ++i) os << (i ? "," : "") << g.voters[i].value;
  os << "\n";
  return os.str();
}

result<group_info> read_info(const std::string& path) {
  std::ifstream in(path);
  if (!in) return status{errc::io_error, "cannot read " + path};
  group_info g;
  std::string line;
  bool have_group = false;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto k = line.substr(0, eq), v = line.substr(eq + 1);
    try {
      if (k == "group") {
        g.id = std::stoull(v);
        have_group = true;
      } else if (k == "topic") {
        g.topic = v;
      } else if (k == "partition") {
        g.partition = std::stoi(v);
      } else if (k == "voters") {
        std::stringstream ss(v);
        std::string item;
        while (std::getline(ss, item, ','))
          if (!item.empty()) g.voters.push_back(node_id{std::stoi(item)});
      }
    } catch (const std::exception&) {
      return status{errc::corrupt_data, path + ": bad line \"" + line + "\""};
    }
  }
  if (!have_group || g.voters.empty())
    return status{errc::corrupt_data, path + " lacks the group id or the voters; delete the "
                                             "directory to drop this replica"};
  return g;
}

} // namespace

replica_host::replica_host(host_options opts, send_fn send, apply_fn apply, role_fn role)
    : opts_(std::move(opts)), send_(std::move(send)), apply_(std::move(apply)),
      role_(std::move(role)) {}

replica_host::~replica_host() { stop(); }

result<std::unique_ptr<replica_host>> replica_host::start(host_options opts,
                                                          std::vector<node_id> metadata_voters,
                                                          send_fn send, apply_fn apply,
                                                          role_fn role) {
  std::error_code ec;
  fs::create_directories(opts.dir, ec);
  if (ec)
    return status{errc::io_error, "cannot create " + opts.dir + ": " + ec.message() +
                                      " (check [node] data_dir and its permissions)"};
  std::unique_ptr<replica_host> h(
      new replica_host(std::move(opts), std::move(send), std::move(apply), std::move(role)));
  // The metadata group first, then every partition replica found on disk.
  group_info meta;
  meta.id = metadata_group;
  meta.voters = std::move(metadata_voters);
  if (auto st = h->open_group(meta); !st) return st;
  for (const auto& d : fs::directory_iterator(h->opts_.dir, ec)) {
    const auto name = d.path().filename().string();
    if (name.size() < 2 || name[0] != 'g' || name == "g0") continue;
    auto info = read_info(d.path().string() + "/group.info");
    if (!info) {
      logging::get("cluster")->error("skipping replica {}: {}", d.path().string(),
                                     info.error().to_string());
      continue;
    }
    if (auto st = h->open_group(*info); !st) return st;
  }
  h->thread_ = std::thread([p = h.get()] { p->run(); });
  return h;
}

status replica_host::open_group(const group_info& g) {
  if (groups_.count(g.id)) return {};
  const auto dir = group_dir(opts_.dir, g.id);
  auto disk = raft_disk::open(dir);
  if (!disk) return disk.error();
  if (auto st = files::write_file_atomic(dir + "/group.info", info_text(g)); !st) return st;
  auto gr = std::make_unique<group>();
  gr->info = g;
  gr->disk = std::move(*disk);
  raft::config cfg;
  cfg.id = opts_.self;
  cfg.voters = g.voters;
  const int ticks = std::max(1, opts_.election_timeout_ms / opts_.tick_ms);
  cfg.election_ticks_min = ticks;
  cfg.election_ticks_max = 2 * ticks;
  cfg.heartbeat_ticks = std::max(1, opts_.heartbeat_ms / opts_.tick_ms);
  cfg.seed = static_cast<uint64_t>(clock_type::now().time_since_epoch().count()) ^ (g.id * 7919);
  if (auto st = raft::validate(cfg); !st) return st;
  auto durable = gr->disk->take_loaded();
  gr->view = std::make_shared<replica_view>(g.topic, g.partition);
  gr->view->load(durable);
  gr->node = std::make_unique<raft::node>(cfg, std::move(durable));
  {
    std::lock_guard<std::mutex> lock(mu_);
    views_[g.id] = gr->view;
    infos_[g.id] = g;
  }
  groups_[g.id] = std::move(gr);
  return {};
}

void replica_host::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Answer whoever still waits.
  for (auto& [id, g] : groups_) {
    for (auto& [pid, fn] : g->waiting) {
      proposal_outcome o;
      o.ack.id = pid;
      o.ack.code = errc::unavailable;
      o.accepted = true;
      o.message = "the node is shutting down; the outcome is unknown, retry on another node";
      fn(o);
    }
    g->waiting.clear();
  }
}

void replica_host::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void replica_host::deliver(group_id g, raft::message m) {
  post([this, g, m = std::move(m)] {
    auto it = groups_.find(g);
    // A group not created here yet (its create_topic not applied) or fail-stopped: the
    // message is dropped and Raft resends.
    if (it == groups_.end() || it->second->failed) return;
    it->second->node->step(m);
  });
}

void replica_host::propose(group_id g, raft::proposal p, outcome_fn done) {
  post([this, g, p = std::move(p), done = std::move(done)]() mutable {
    auto it = groups_.find(g);
    proposal_outcome o;
    if (it == groups_.end() || it->second->failed) {
      o.ack.code = errc::not_leader;
      o.message = it == groups_.end() ? "this node holds no replica of that partition"
                                      : "this node's replica failed (disk error); ask another node";
      done(o);
      return;
    }
    auto& gr = *it->second;
    const uint64_t id = gr.next_proposal++;
    p.id = id;
    auto st = gr.node->propose(std::move(p));
    if (!st) {
      o.ack.id = id;
      o.ack.code = st.code();
      o.message = st.message();
      done(o);
      return;
    }
    gr.waiting.emplace(id, std::move(done));
  });
}

status replica_host::ensure_group(const group_info& g) {
  auto prom = std::make_shared<std::promise<status>>();
  auto fut = prom->get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return status{errc::unavailable, "the node is shutting down"};
  }
  post([this, g, prom] { prom->set_value(open_group(g)); });
  if (fut.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
    return status{errc::timeout, "the replica host did not create group " + std::to_string(g.id)};
  return fut.get();
}

void replica_host::drop_group(group_id g) {
  post([this, g] { drop_now(g); });
}

void replica_host::drop_now(group_id g) {
  {
    auto it = groups_.find(g);
    if (it == groups_.end() || g == metadata_group) return;
    for (auto& [pid, fn] : it->second->waiting) {
      proposal_outcome o;
      o.ack.id = pid;
      o.ack.code = errc::unknown_topic;
      o.message = "the topic was deleted";
      fn(o);
    }
    it->second->view->close();
    const auto dir = it->second->disk->dir();
    groups_.erase(it);
    {
      std::lock_guard<std::mutex> lock(mu_);
      views_.erase(g);
      infos_.erase(g);
      leaders_.erase(g);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

status replica_host::transfer(group_id g, node_id to) {
  auto prom = std::make_shared<std::promise<status>>();
  auto fut = prom->get_future();
  post([this, g, to, prom] {
    auto it = groups_.find(g);
    if (it == groups_.end()) {
      prom->set_value(status{errc::not_found, "this node holds no replica of that partition"});
      return;
    }
    prom->set_value(it->second->node->transfer_leadership(to));
  });
  if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    return status{errc::timeout, "the replica host did not answer"};
  return fut.get();
}

void replica_host::hand_off_leadership(int wait_ms) {
  post([this] {
    for (auto& [id, g] : groups_) {
      if (g->failed || g->node->state() != raft::role::leader) continue;
      for (node_id v : g->info.voters)
        if (v != opts_.self) {
          (void)g->node->transfer_leadership(v);
          break;
        }
    }
  });
  const auto deadline = clock_type::now() + std::chrono::milliseconds(wait_ms);
  while (clock_type::now() < deadline) {
    bool leads = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [g, l] : leaders_)
        if (l.first == opts_.self && infos_.count(g) && infos_[g].voters.size() > 1) leads = true;
    }
    if (!leads) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::shared_ptr<replica_view> replica_host::view(group_id g) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(g);
  return it == views_.end() ? nullptr : it->second;
}

std::vector<group_info> replica_host::groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<group_info> out;
  for (const auto& [id, g] : infos_) out.push_back(g);
  return out;
}

std::pair<node_id, term_t> replica_host::leader_of(group_id g) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leaders_.find(g);
  return it == leaders_.end() ? std::pair{node_id{0}, term_t{0}} : it->second;
}

void replica_host::run() {
  auto next_tick = clock_type::now() + std::chrono::milliseconds(opts_.tick_ms);
  std::deque<std::function<void()>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_tick, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      batch.swap(tasks_);
    }
    for (auto& t : batch) t();
    batch.clear();
    const auto now = clock_type::now();
    if (now >= next_tick) {
      tick_all();
      next_tick += std::chrono::milliseconds(opts_.tick_ms);
      if (next_tick < now) next_tick = now + std::chrono::milliseconds(opts_.tick_ms);
    }
    process_readies();
  }
}

void replica_host::tick_all() {
  for (auto& [id, g] : groups_)
    if (!g->failed) g->node->tick();
}

void replica_host::fail_group(group& g, const status& why) {
  g.failed = true;
  logging::get("cluster")->error(
      "replica of group {} ({}/{}) stopped after a disk error: {}; the other replicas carry on. "
      "Fix the disk and restart this node",
      g.info.id, g.info.topic.empty() ? "metadata" : g.info.topic, g.info.partition,
      why.to_string());
  for (auto& [pid, fn] : g.waiting) {
    proposal_outcome o;
    o.ack.id = pid;
    o.ack.code = errc::io_error;
    o.accepted = true;
    o.message = "the leader's disk failed: " + why.message() + "; the outcome is unknown";
    fn(o);
  }
  g.waiting.clear();
}

void replica_host::publish_role(group& g) {
  const node_id leader = g.node->leader();
  const term_t term = g.node->term();
  std::vector<int32_t> in_sync;
  for (node_id v : g.node->caught_up()) in_sync.push_back(v.value);
  if (leader == g.seen_leader && term == g.seen_term && in_sync == g.seen_in_sync) return;
  g.seen_leader = leader;
  g.seen_term = term;
  g.seen_in_sync = in_sync;
  g.view->set_role(leader.value == 0 ? -1 : leader.value, term.value, in_sync);
  {
    std::lock_guard<std::mutex> lock(mu_);
    leaders_[g.info.id] = {leader, term};
  }
  if (role_) role_(g.info, leader, term, in_sync);
}

void replica_host::process_readies() {
  struct round_item {
    group* g;
    raft::ready rd;
  };
  std::vector<round_item> round;
  std::vector<group_id> to_drop;
  for (int rounds = 0; rounds < 64; ++rounds) {
    round.clear();
    for (auto& [id, gp] : groups_) {
      auto& g = *gp;
      while (!g.failed && g.node->has_ready()) {
        auto rd = g.node->take_ready();
        if (rd.persist) {
          if (auto st = g.disk->write(*rd.persist); !st) {
            fail_group(g, st);
            break;
          }
          // A leader's appends may leave while its own write is being synced (Raft thesis
          // 10.2.1): it counts only its own persisted offset towards a commit, and nothing
          // in them depends on an unsynced term or vote. Any other message waits.
          if (!rd.persist->hard && g.node->state() == raft::role::leader &&
              std::all_of(rd.messages.begin(), rd.messages.end(), [](const raft::message& m) {
                return m.type == raft::msg_type::append || m.type == raft::msg_type::heartbeat;
              })) {
            for (auto& m : rd.messages) send_(m.to, g.info.id, std::move(m));
            rd.messages.clear();
          }
        }
        round.push_back({&g, std::move(rd)});
      }
    }
    if (round.empty()) break;
    // One sync per written disk for the whole round.
    std::vector<group*> synced;
    for (auto& it : round)
      if (it.rd.persist && !it.g->failed &&
          std::find(synced.begin(), synced.end(), it.g) == synced.end()) {
        synced.push_back(it.g);
        if (auto st = it.g->disk->sync(); !st) fail_group(*it.g, st);
      }
    for (auto& it : round) {
      auto& g = *it.g;
      if (g.failed) continue;
      auto& rd = it.rd;
      if (rd.persist) {
        g.node->persisted(rd.persist->id);
        g.view->apply(*rd.persist);
      }
      for (auto& m : rd.messages) send_(m.to, g.info.id, std::move(m));
      if (rd.commit != raft::no_offset) {
        if (g.info.id == metadata_group && apply_) {
          for (const auto& e : g.node->log().entries()) {
            if (e.last <= g.applied) continue;
            if (e.last > rd.commit) break;
            if (e.kind == raft::entry_kind::data) {
              apply_effects fx;
              auto st = apply_(e.last, e, fx);
              g.apply_results[e.last.value] = st;
              for (const auto& info : fx.open)
                if (auto ost = open_group(info); !ost)
                  logging::get("cluster")->error("cannot create the replica of {}/{}: {}",
                                                 info.topic, info.partition, ost.to_string());
              for (group_id d : fx.drop) to_drop.push_back(d);
            }
            g.applied = e.last;
          }
          while (g.apply_results.size() > 4096) g.apply_results.erase(g.apply_results.begin());
        }
        g.view->set_commit(rd.commit);
      }
      for (const auto& ack : rd.acks) {
        auto w = g.waiting.find(ack.id);
        if (w == g.waiting.end()) continue;
        proposal_outcome o;
        o.ack = ack;
        o.accepted = true;
        if (ack.code == errc::not_leader)
          o.message = "leadership moved before the batch committed; the outcome is unknown";
        if (g.info.id == metadata_group && ack.code == errc::ok) {
          auto r = g.apply_results.find(ack.last.value);
          if (r != g.apply_results.end()) {
            o.applied = r->second;
            g.apply_results.erase(r);
          }
        }
        auto fn = std::move(w->second);
        g.waiting.erase(w);
        fn(o);
      }
      publish_role(g);
    }
  }
  for (group_id d : to_drop) drop_now(d);
}

} // namespace pinpipe::cluster
