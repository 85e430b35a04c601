// The simulator's clients (idempotent acks=all producers that retry with the same
// sequence, and a plain producer that never resends an unknown outcome), healing, and the
// final exactly-once check (sim_world.hpp).
#include <map>

#include "sim_world.hpp"

namespace pinpipe::raft::sim::detail {

void simulation::start_write(int c) {
  client& cl = clients_[static_cast<size_t>(c)];
  if (healed()) return;
  cl.busy = true;
  cl.attempt = 0;
  cl.records = 1 + static_cast<int32_t>(r_.below(4));
  cl.payload = "c" + std::to_string(c) + "w" + std::to_string(cl.writes++);
  if (cl.producer_id < 0) cl.acks = r_.chance(500) ? acks_mode::all : acks_mode::leader;
  cl.target = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(opt_.nodes)));
  event e = mk(now_ + 1 + static_cast<int64_t>(r_.below(20)), ev::client_send);
  e.client = c;
  e.tag = ++cl.send_gen; // only the latest scheduled send counts
  schedule(std::move(e));
}

void simulation::retry_later(int c, bool elsewhere) {
  client& cl = clients_[static_cast<size_t>(c)];
  if (elsewhere) cl.target = 1 + static_cast<int>(r_.below(static_cast<uint64_t>(opt_.nodes)));
  event e = mk(now_ + 10 + static_cast<int64_t>(r_.below(30)), ev::client_send);
  e.client = c;
  e.tag = ++cl.send_gen;
  schedule(std::move(e));
}

void simulation::give_up(int c) {
  client& cl = clients_[static_cast<size_t>(c)];
  cl.busy = false;
  cl.attempt = 0;
  start_write(c);
}

void simulation::client_send(int c, uint64_t gen) {
  client& cl = clients_[static_cast<size_t>(c)];
  if (!cl.busy || gen != cl.send_gen) return;
  cl.attempt = ++attempts_;
  attempt_client_[cl.attempt] = c;
  int target = cl.target;
  sim_node& n = nd(target);
  event t = mk(now_ + 400, ev::client_timeout);
  t.client = c;
  t.tag = cl.attempt;
  if (!n.up) {
    schedule(std::move(t)); // the request went nowhere
    return;
  }
  proposal p;
  p.id = cl.attempt;
  p.record_count = cl.records;
  p.acks = cl.acks;
  p.producer_id = cl.producer_id;
  p.base_sequence = cl.producer_id >= 0 ? cl.next_seq : -1;
  p.payload = cl.payload;
  status st = n.core->propose(std::move(p));
  if (opt_.trace)
    trace("client " + std::to_string(c) + " -> node " + std::to_string(cl.target) + " " +
          cl.payload + " seq " + std::to_string(cl.next_seq) + ": " +
          (st.ok() ? std::string("accepted") : st.to_string()));
  if (!st.ok()) {
    // Definitely not appended: safe to send again, to the leader we were told about.
    node_id hint = n.core->leader();
    if (hint != no_node) cl.target = static_cast<int>(hint.value);
    retry_later(c, hint == no_node);
    drain(target);
    return;
  }
  schedule(std::move(t));
  drain(target);
}

void simulation::client_timeout(int c, uint64_t attempt) {
  client& cl = clients_[static_cast<size_t>(c)];
  if (!cl.busy || cl.attempt != attempt) return;
  trace("client " + std::to_string(c) + " timed out on " + cl.payload);
  if (cl.producer_id >= 0)
    retry_later(c, true); // same producer id and sequence: no duplicate
  else
    give_up(c); // outcome unknown; a blind resend could duplicate
}

void simulation::on_ack(const proposal_ack& a) {
  auto it = attempt_client_.find(a.id);
  if (it == attempt_client_.end()) return;
  int c = it->second;
  client& cl = clients_[static_cast<size_t>(c)];
  if (!cl.busy || cl.attempt != a.id) return; // an answer to an abandoned attempt
  if (a.code != errc::ok) {
    trace("client " + std::to_string(c) + " " + cl.payload + ": " + to_string(a.code) +
          " (outcome unknown)");
    if (cl.producer_id >= 0)
      retry_later(c, true);
    else
      give_up(c);
    return;
  }
  trace("client " + std::to_string(c) + " ACK " + cl.payload + " at " +
        std::to_string(a.base.value) + "-" + std::to_string(a.last.value) +
        (a.duplicate ? " (duplicate)" : "") + (cl.acks == acks_mode::all ? " acks=all" : " acks=1"));
  res_.duplicates += a.duplicate;
  if (cl.acks == acks_mode::all) {
    check_.on_ack_all(a.base, a.last, cl.payload);
    acked_.push_back({c, cl.payload, a.base, a.last});
    ++res_.acked_all;
  }
  if (cl.producer_id >= 0) cl.next_seq += cl.records;
  cl.busy = false;
  start_write(c);
}

void simulation::convergence_check() {
  if (now_ == opt_.fault_ms) {
    trace("HEAL everything: network, disks, crashed nodes");
    std::fill(blocked_.begin(), blocked_.end(), 0);
    partitioned_ = false;
    for (int i = 1; i <= opt_.nodes; ++i)
      if (!nd(i).up) restart(i);
  }
  schedule(mk(now_ + 20, ev::check));
  for (const client& cl : clients_)
    if (cl.busy && cl.producer_id >= 0) return;
  int leader = 0;
  for (int i = 1; i <= opt_.nodes; ++i)
    if (nd(i).core->state() == role::leader &&
        (leader == 0 || nd(i).core->term() > nd(leader).core->term()))
      leader = i;
  if (leader == 0) return;
  const node& l = *nd(leader).core;
  if (l.commit() != l.log().last()) return;
  for (int i = 1; i <= opt_.nodes; ++i) {
    const node& n = *nd(i).core;
    if (n.term() != l.term() || n.commit() != l.commit() || n.log().last() != l.log().last())
      return;
  }
  res_.converged_ms = now_;
  trace("CONVERGED: leader " + std::to_string(leader) + " term " +
        std::to_string(l.term().value) + " commit " + std::to_string(l.commit().value));
  final_check();
  done_ = true;
}

void simulation::final_check() {
  for (int i = 1; i <= opt_.nodes; ++i) check_.compare_with_core(i, *nd(i).core);
  std::map<std::string, int> seen;
  for (const auto& [last, e] : check_.committed())
    if (e.kind == entry_kind::data) seen[e.payload]++;
  for (const auto& [payload, count] : seen)
    if (count > 1 && payload.rfind("c2", 0) != 0)
      fail("idempotent write " + payload + " is in the final log " + std::to_string(count) +
           " times");
  for (const acked_write& w : acked_) {
    auto it = check_.committed().find(w.last.value);
    if (seen[w.payload] != 1 || it == check_.committed().end() || it->second.payload != w.payload ||
        it->second.base != w.base)
      fail("acknowledged acks=all write " + w.payload + " at " + std::to_string(w.base.value) +
           "-" + std::to_string(w.last.value) + " is not in the final log exactly once there");
  }
}

} // namespace pinpipe::raft::sim::detail
