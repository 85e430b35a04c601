// Seeded whole-group simulation of the Raft core (tests/raft/sim_cluster.hpp): many seeds
// of 3- and 5-replica groups, each checked after every step (sim_checker.hpp).
//
//   raft_sim_test                      all seeds (PINPIPE_RAFT_SEEDS per group size, default 1000)
//   raft_sim_test --seed S [--nodes N] one run, with its full trace on stdout
//   PINPIPE_RAFT_SEED=S raft_sim_test  the same as --seed S
// A failing seed prints the command that reproduces it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim_cluster.hpp"

namespace pinpipe::raft::sim {
namespace {

uint64_t seeds_per_size() {
  const char* s = std::getenv("PINPIPE_RAFT_SEEDS");
  return s ? std::strtoull(s, nullptr, 10) : 1000;
}

void run_seeds(int nodes, uint64_t first) {
  uint64_t count = seeds_per_size();
  auto t0 = std::chrono::steady_clock::now();
  uint64_t steps = 0, failures = 0;
  int64_t acked = 0, crashes = 0, leaders = 0, resets = 0, truncations = 0, duplicates = 0,
          transfers = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    sim_options o;
    o.seed = seed;
    o.nodes = nodes;
    sim_result r = run_simulation(o);
    steps += r.steps;
    acked += r.acked_all;
    crashes += r.crashes;
    leaders += r.leaders;
    resets += r.resets;
    truncations += r.truncations;
    duplicates += r.duplicates;
    transfers += r.transfers;
    if (!r.ok) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " (" << r.params << "): " << r.violation
                    << "\n  reproduce with: raft_sim_test --seed " << seed << " --nodes " << nodes;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d replicas: %llu seeds (%llu..%llu) in %.1f s, %llu steps, %lld acks=all writes "
              "acknowledged, %lld crashes, %lld leaders, %lld log_start resets, %lld truncations, "
              "%lld duplicate retries, %lld transfers, %llu failed\n",
              nodes, static_cast<unsigned long long>(count), static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(first + count - 1), secs,
              static_cast<unsigned long long>(steps), static_cast<long long>(acked),
              static_cast<long long>(crashes), static_cast<long long>(leaders),
              static_cast<long long>(resets), static_cast<long long>(truncations),
              static_cast<long long>(duplicates), static_cast<long long>(transfers),
              static_cast<unsigned long long>(failures));
  EXPECT_GT(acked, 0);
  EXPECT_GT(crashes, 0);
  EXPECT_GT(truncations, 0) << "the seeds never made a follower truncate a divergent tail";
  EXPECT_GT(duplicates, 0) << "the seeds never made a retry hit the duplicate path";
  EXPECT_GT(transfers, 0);
  EXPECT_GT(resets, 0) << "the seeds never reset a follower behind the leader's log_start";
}

TEST(RaftSim, ThreeReplicasKeepEveryInvariantAcrossSeeds) { run_seeds(3, 1); }
TEST(RaftSim, FiveReplicasKeepEveryInvariantAcrossSeeds) { run_seeds(5, 100001); }

TEST(RaftSim, SameSeedReproducesTheSameRun) {
  sim_options o;
  o.seed = 4242;
  sim_result a = run_simulation(o), b = run_simulation(o);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.acked_all, b.acked_all);
  EXPECT_EQ(a.converged_ms, b.converged_ms);
  EXPECT_GT(a.acked_all, 0) << "the run did some work";
}

} // namespace
} // namespace pinpipe::raft::sim

int main(int argc, char** argv) {
  long long seed = -1;
  int nodes = 3;
  if (const char* env = std::getenv("PINPIPE_RAFT_SEED")) seed = std::atoll(env);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = std::atoll(argv[++i]);
    else if (std::strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) nodes = std::atoi(argv[++i]);
  }
  if (seed >= 0) {
    pinpipe::raft::sim::sim_options o;
    o.seed = static_cast<uint64_t>(seed);
    o.nodes = nodes;
    o.trace = true;
    auto r = pinpipe::raft::sim::run_simulation(o);
    std::printf("seed %lld, %d replicas (%s): %s after %llu steps; %lld acks=all writes, "
                "%lld committed batches, %lld crashes\n",
                seed, nodes, r.params.c_str(), r.ok ? "OK" : ("FAILED: " + r.violation).c_str(),
                static_cast<unsigned long long>(r.steps), static_cast<long long>(r.acked_all),
                static_cast<long long>(r.committed), static_cast<long long>(r.crashes));
    return r.ok ? 0 : 1;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
