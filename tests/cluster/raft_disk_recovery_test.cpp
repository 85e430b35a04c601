// raft_disk recovery at scale and under damage (cluster/raft_disk.hpp): every cut of a
// log and seeded byte flips, random bytes through the decoders and as files, a 100 MiB
// log. Part of ctest raft_disk_test.
#include <chrono>
#include <cstdio>
#include <set>

#include <gtest/gtest.h>

#include "cluster/raft_disk_format.hpp"
#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;
namespace fs = std::filesystem;

TEST(RaftDisk, RecoveryOfAnyCutOrFlippedByteKeepsAPrefix) {
  // Every cut of the file (a torn write at any byte) and seeded single-byte flips in the
  // records: recovery keeps exactly the whole, intact entries before the damage, never
  // more, and the file is cut to their end.
  temp_dir t;
  std::vector<raft::entry> written;
  std::vector<int64_t> ends; // end of each record
  int64_t header_end = 0;
  {
    auto d = open_ok(t / "src");
    ASSERT_TRUE(d);
    header_end = d->bytes();
    for (int i = 0; i < 12; ++i) {
      raft::entry e = make_entry(i * 2, i * 2 + 1, 1 + i / 4, std::string(1 + i * 37 % 200, 'p'),
                                 raft::entry_kind::data, i % 3 == 0 ? 4 : -1, i % 3 == 0 ? i : -1);
      ASSERT_TRUE(d->write(append_req({e}, static_cast<uint64_t>(i + 1))).ok());
      written.push_back(e);
      ends.push_back(d->bytes());
    }
    ASSERT_TRUE(d->sync().ok());
  }
  const std::string bytes = read_file(t / "src/raft.log");
  auto whole_before = [&](int64_t pos) {
    size_t n = 0;
    while (n < ends.size() && ends[n] <= pos)
      ++n;
    return n;
  };
  auto check = [&](const std::string& file, size_t want, const std::string& what) {
    write_file(t / "dst/raft.log", file);
    auto d = raft_disk::open(t / "dst");
    ASSERT_TRUE(d.ok()) << what << ": " << d.error().to_string();
    const auto& got = d.value()->loaded().entries;
    ASSERT_EQ(got.size(), want) << what;
    EXPECT_TRUE(std::equal(got.begin(), got.end(), written.begin())) << what;
    const int64_t end = want == 0 ? header_end : ends[want - 1];
    EXPECT_EQ(d.value()->bytes(), end) << what;
    EXPECT_EQ(fs::file_size(t / "dst/raft.log"), static_cast<uintmax_t>(end)) << what;
  };
  fs::create_directories(t / "dst");
  // Every byte of the first two records, both sides of every record boundary, and every
  // 7th byte elsewhere (each recovery that cuts costs an fdatasync).
  std::set<int64_t> cuts;
  for (int64_t c = header_end; c <= ends[1]; ++c)
    cuts.insert(c);
  for (int64_t e : ends)
    for (int64_t c : {e - 1, e, e + 1, e + 4, e + 8, e + 45})
      cuts.insert(c);
  for (int64_t c = ends[1]; c < ends.back(); c += 7)
    cuts.insert(c);
  const auto level = logging::get("cluster")->level();
  logging::get("cluster")->set_level(spdlog::level::off); // hundreds of cut reports
  for (int64_t cut : cuts) {
    if (cut > static_cast<int64_t>(bytes.size())) continue;
    check(bytes.substr(0, static_cast<size_t>(cut)), whole_before(cut),
          "cut at byte " + std::to_string(cut));
  }
  uint64_t rng = 12345;
  for (int k = 0; k < 100; ++k) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    const size_t at = static_cast<size_t>(header_end) +
                      static_cast<size_t>((rng >> 33) % (bytes.size() - header_end));
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ (1 << ((rng >> 20) % 8)));
    check(damaged, whole_before(static_cast<int64_t>(at)), "flip at byte " + std::to_string(at));
  }
  logging::get("cluster")->set_level(level);
  std::printf("raft_disk: %zu cuts and 100 flips recovered to the right prefix\n", cuts.size());
}

TEST(RaftDisk, RandomBytesAreRefusedOrCutNeverACrash) {
  // Seeded garbage: the decoders on 20,000 random buffers (some starting with a valid
  // header or record), then 40 garbage files opened for real. Every outcome is a value:
  // ok, a cut tail or corrupt_data.
  uint64_t rng = 99;
  auto next = [&] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
  };
  const std::string header = disk_format::encode_log_header(
      {offset_t{7}, term_t{2}, {{3, {{0, 1, offset_t{5}, offset_t{6}}}}}});
  std::string record;
  disk_format::append_entry(make_entry(7, 9, 2, "payload"), record);
  auto garbage = [&](const std::string& prefix) {
    std::string b = prefix.substr(0, next() % (prefix.size() + 1));
    const size_t n = next() % 300;
    for (size_t i = 0; i < n; ++i)
      b += static_cast<char>(next());
    return b;
  };
  for (int k = 0; k < 20000; ++k) {
    const std::string& base = k % 3 == 0 ? header : k % 3 == 1 ? record : std::string();
    std::string b = garbage(base);
    if (!b.empty() && k % 2 == 0) b[next() % b.size()] ^= static_cast<char>(1 + next() % 255);
    disk_format::log_header h;
    size_t size = 0;
    status st = disk_format::decode_log_header(b, h, size);
    if (st.ok()) {
      EXPECT_LE(size, b.size());
    } else {
      EXPECT_EQ(st.code(), errc::corrupt_data);
    }
    if (disk_format::check_entry(b, size) == disk_format::record_check::ok) {
      ASSERT_LE(size, b.size());
      raft::entry e;
      st = disk_format::decode_entry(std::string_view(b).substr(0, size), e);
      if (!st.ok()) {
        EXPECT_EQ(st.code(), errc::corrupt_data);
      }
    }
    raft::hard_state hs;
    st = disk_format::decode_state(b, hs);
    if (!st.ok()) {
      EXPECT_EQ(st.code(), errc::corrupt_data);
    }
  }
  const auto level = logging::get("cluster")->level();
  logging::get("cluster")->set_level(spdlog::level::off);
  for (int k = 0; k < 40; ++k) {
    temp_dir t;
    write_file(t / "raft.log", k % 4 == 0 ? garbage(header) : header + record + garbage(record));
    auto d = raft_disk::open(t.path());
    if (!d.ok()) {
      EXPECT_EQ(d.error().code(), errc::corrupt_data) << d.error().to_string();
      continue;
    }
    EXPECT_EQ(d.value()->bytes(), static_cast<int64_t>(fs::file_size(t / "raft.log")));
    offset_t expect = d.value()->log_start();
    for (const raft::entry& e : d.value()->loaded().entries) {
      EXPECT_EQ(e.base, expect);
      expect = e.last + 1;
    }
  }
  logging::get("cluster")->set_level(level);
}

TEST(RaftDisk, HundredMegabyteLogOpensFast) {
  // 100 MiB in 1,600 entries of 64 KiB, written as 100 requests of 16 entries with one
  // sync each, like a follower catching up; then recovered.
  temp_dir t;
  constexpr int requests = 100, per_request = 16;
  constexpr size_t payload = 64 << 10;
  const auto t0 = std::chrono::steady_clock::now();
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    for (int i = 0; i < requests; ++i) {
      ASSERT_TRUE(d->write(append_req(entries(i * per_request, per_request, 1 + i / 10, payload),
                                      static_cast<uint64_t>(i + 1)))
                      .ok());
      ASSERT_TRUE(d->sync().ok());
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  const auto t2 = std::chrono::steady_clock::now();
  const auto& es = d->loaded().entries;
  ASSERT_EQ(es.size(), static_cast<size_t>(requests * per_request));
  EXPECT_EQ(es.back(), entries(requests * per_request - 1, 1, 1 + (requests - 1) / 10, payload)[0]);
  const double write_s = std::chrono::duration<double>(t1 - t0).count();
  const double open_s = std::chrono::duration<double>(t2 - t1).count();
  const double mib = static_cast<double>(d->bytes()) / (1 << 20);
  std::printf(
      "raft_disk: %.1f MiB written in %.2f s (%d syncs), recovered in %.3f s (%.0f MiB/s)\n", mib,
      write_s, requests, open_s, mib / open_s);
  EXPECT_LT(open_s, 10.0) << "recovery reads and checks at disk speed";
}

} // namespace
} // namespace pinpipe::cluster
