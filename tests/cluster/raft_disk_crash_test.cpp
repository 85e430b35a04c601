// raft_disk under SIGKILL, with real processes: a child writes a seeded stream of persist
// requests (appends of mixed sizes, truncations, hard state changes, resets), syncs each
// and reports its id through a pipe; the parent kills it at a random moment, replays the
// same seeded stream in memory and checks the reopened directory: everything synced is
// there, and at most the one request in flight shows, wholly or as a prefix of its steps.
// Part of ctest raft_disk_test.
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;

/// The seeded request stream, and the durable_state each request leads to (the model).
class request_stream {
public:
  explicit request_stream(uint64_t seed) : rng_(seed) {}
  const raft::durable_state& state() const { return state_; }

  raft::persist_request next() {
    raft::persist_request r;
    r.id = ++id_;
    const offset_t end =
        state_.entries.empty() ? offset_t{state_.log_start.value - 1} : state_.entries.back().last;
    term_t top = std::max(state_.hard.term,
                          state_.entries.empty() ? state_.prefix_term : state_.entries.back().term);
    if (pick(5) == 0) {
      top = term_t{top.value + 1};
      r.hard = raft::hard_state{top, pick(3) == 0 ? raft::no_node
                                                  : node_id{static_cast<int32_t>(1 + pick(3))}};
    }
    if (pick(10) == 0) {
      r.reset = true;
      r.reset_log_start = offset_t{end.value + 1 + static_cast<int64_t>(pick(10))};
      r.reset_prefix_term = top;
      r.reset_producers = {{int64_t(pick(100)), {{0, 2, offset_t{0}, offset_t{2}}}}};
    } else if (pick(6) == 0 && !state_.entries.empty()) {
      const size_t n = state_.entries.size();
      r.truncate_from = state_.entries[n - 1 - std::min<size_t>(pick(3), n - 1)].base;
    }
    apply_reset_truncate(r);
    offset_t base{state_.entries.empty() ? state_.log_start.value
                                         : state_.entries.back().last.value + 1};
    const int count = 1 + static_cast<int>(pick(8));
    for (int i = 0; i < count; ++i) {
      raft::entry e;
      e.base = base;
      e.last = offset_t{base.value + static_cast<int64_t>(pick(5))};
      e.term = top;
      e.producer_id = pick(2) == 0 ? int64_t(pick(4)) : -1;
      e.base_sequence = e.producer_id >= 0 ? int32_t(pick(1000)) : -1;
      const size_t size = pick(10) == 0 ? pick(64 << 10) : pick(512);
      e.payload.resize(size);
      for (size_t k = 0; k < size; k += 8)
        e.payload[k] = static_cast<char>(rng_());
      base = e.last + 1;
      r.entries.push_back(e);
      state_.entries.push_back(std::move(e));
    }
    if (r.hard) state_.hard = *r.hard;
    return r;
  }

private:
  uint64_t pick(uint64_t n) { return rng_() % n; }
  void apply_reset_truncate(const raft::persist_request& r) {
    if (r.reset) {
      state_.entries.clear();
      state_.log_start = r.reset_log_start;
      state_.prefix_term = r.reset_prefix_term;
      state_.producers = r.reset_producers;
    }
    if (r.truncate_from != raft::no_offset) {
      auto& es = state_.entries;
      es.erase(std::find_if(es.begin(), es.end(),
                            [&](const raft::entry& e) { return e.base >= r.truncate_from; }),
               es.end());
    }
  }

  std::mt19937_64 rng_;
  uint64_t id_ = 0;
  raft::durable_state state_;
};

size_t common_prefix(const std::vector<raft::entry>& a, const std::vector<raft::entry>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n])
    ++n;
  return n;
}

/// Child: writes and syncs the stream until killed (bounded: 20,000 requests, 20 s).
[[noreturn]] void run_writer(const std::string& dir, uint64_t seed, int out_fd) {
  auto d = raft_disk::open(dir);
  if (!d.ok()) ::_exit(2);
  request_stream s(seed);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; i < 20000 && std::chrono::steady_clock::now() < until; ++i) {
    raft::persist_request r = s.next();
    if (!(*d)->write(r).ok() || !(*d)->sync().ok()) ::_exit(3);
    if (::write(out_fd, &r.id, sizeof r.id) != sizeof r.id) ::_exit(4);
  }
  ::_exit(0);
}

TEST(RaftDiskCrash, SyncedRequestsSurviveKillNineAndNothingButTheLastIsPartial) {
  constexpr int rounds = 20;
  std::mt19937_64 pick(2026);
  int rounds_with_tail = 0;
  uint64_t total_acked = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    temp_dir t;
    const std::string dir = t / "replica";
    const uint64_t seed = 1000 + round;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_writer(dir, seed, fds[1]);
    }
    ::close(fds[1]);
    uint64_t acked = 0, id = 0;
    const uint64_t kill_after = 2 + pick() % 10; // requests acknowledged before the kill
    while (acked < kill_after && ::read(fds[0], &id, sizeof id) == sizeof id)
      acked = id;
    std::this_thread::sleep_for(std::chrono::microseconds(pick() % 3000));
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    while (::read(fds[0], &id, sizeof id) == sizeof id)
      acked = id; // acks in flight
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the writer stopped on its own: " << wstatus;
    total_acked += acked;

    // The model after the last acknowledged request, and after the one in flight.
    request_stream model(seed);
    for (uint64_t k = 0; k < acked; ++k)
      model.next();
    const raft::durable_state synced = model.state();
    model.next();
    const raft::durable_state in_flight = model.state();

    auto d = open_ok(dir);
    ASSERT_TRUE(d);
    const raft::durable_state& got = d->loaded();
    // The hard state is the synced one or the one in flight (a reset writes it at once, a
    // sync first). The log is as synced, or the request in flight got (partly) applied:
    // its reset, then a prefix of its result at least as long as what it kept of the
    // synced log (its truncation).
    EXPECT_TRUE(got.hard == synced.hard || got.hard == in_flight.hard);
    const bool log_as_synced = got.log_start == synced.log_start &&
                               got.prefix_term == synced.prefix_term &&
                               got.producers == synced.producers && got.entries == synced.entries;
    if (!log_as_synced || got.hard != synced.hard) ++rounds_with_tail;
    if (!log_as_synced) {
      EXPECT_EQ(got.log_start, in_flight.log_start);
      EXPECT_EQ(got.prefix_term, in_flight.prefix_term);
      EXPECT_EQ(got.producers, in_flight.producers);
      EXPECT_EQ(common_prefix(got.entries, in_flight.entries), got.entries.size())
          << "only a prefix of the log the request in flight leads to";
      EXPECT_GE(got.entries.size(), common_prefix(synced.entries, in_flight.entries))
          << "synced entries the request in flight did not truncate are kept";
      if (got.log_start != synced.log_start) {
        EXPECT_EQ(got.hard, in_flight.hard) << "a reset never lands before its hard state";
      }
    }
    // The replica goes on after the crash.
    raft::persist_request more = append_req(entries(d->last().value + 1, 2, d->last_term().value));
    ASSERT_TRUE(d->write(more).ok());
    ASSERT_TRUE(d->sync().ok());
  }
  std::printf("raft_disk: %d SIGKILLs after %llu acknowledged requests; %d recoveries showed "
              "part or all of the request in flight\n",
              rounds, static_cast<unsigned long long>(total_acked), rounds_with_tail);
}

} // namespace
} // namespace pinpipe::cluster
