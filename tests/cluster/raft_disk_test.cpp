// raft_disk: the files of one Raft replica (cluster/raft_disk.hpp), on real files in a temp
// directory: the documented bytes, round trips, the hard state, truncation, reset,
// recovery of torn and damaged tails, refusals. Recovery at scale and under random damage
// is in raft_disk_recovery_test.cpp, the tests with a real raft::node in
// raft_disk_node_test.cpp.
#include <limits>

#include <gtest/gtest.h>

#include "cluster/raft_disk_format.hpp"
#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;
namespace fs = std::filesystem;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string hex(const std::string& b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    if (!out.empty()) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

TEST(RaftDisk, FormatMatchesTheDocumentedBytes) {
  // The worked example of docs/log-format.md, "Replica files (cluster)".
  EXPECT_EQ(hex(disk_format::encode_state({term_t{5}, node_id{2}})),
            "50 50 52 53 01 05 00 00 00 00 00 00 00 02 00 00 00 5b 81 37 62");
  EXPECT_EQ(hex(disk_format::encode_log_header({})),
            "50 50 52 4c 01 14 00 00 00 3e 56 c5 bc 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
            "00 00 00 00 00 00");
  std::string rec;
  disk_format::append_entry(make_entry(0, 0, 1, "", raft::entry_kind::noop), rec);
  EXPECT_EQ(hex(rec), "25 00 00 00 ec 59 3f 3c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 "
                      "00 00 00 00 00 00 00 01 ff ff ff ff ff ff ff ff ff ff ff ff");
}

TEST(RaftDisk, FreshDirectoryIsCreatedEmpty) {
  temp_dir t;
  auto d = open_ok(t / "a/b/replica");
  ASSERT_TRUE(d);
  EXPECT_TRUE(fs::exists(t / "a/b/replica/raft.log"));
  EXPECT_FALSE(fs::exists(t / "a/b/replica/raft.state")) << "missing hard state = {0, none}";
  const raft::durable_state& s = d->loaded();
  EXPECT_EQ(s.hard, raft::hard_state{});
  EXPECT_EQ(s.log_start, offset_t{0});
  EXPECT_EQ(s.prefix_term, term_t{0});
  EXPECT_TRUE(s.entries.empty());
  EXPECT_EQ(d->bytes(), static_cast<int64_t>(fs::file_size(t / "a/b/replica/raft.log")));
  EXPECT_EQ(d->dir(), t / "a/b/replica");
}

TEST(RaftDisk, RoundTripKeepsEveryFieldAndPayloadByte) {
  temp_dir t;
  std::vector<raft::entry> written = {
      make_entry(0, 0, 1, "", raft::entry_kind::noop),
      make_entry(1, 4, 1, std::string("a\0b\xff", 4), raft::entry_kind::data, 42, 7),
      make_entry(5, 5, 2, std::string(70000, 'x')),
      make_entry(6, 105, 3, "hundred records", raft::entry_kind::data, 9, 0),
  };
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    raft::persist_request r = append_req({written[0], written[1]});
    r.hard = raft::hard_state{term_t{1}, node_id{3}};
    ASSERT_TRUE(d->write(r).ok());
    ASSERT_TRUE(d->write(append_req({written[2], written[3]}, 2)).ok());
    ASSERT_TRUE(d->sync().ok());
    EXPECT_EQ(d->bytes(), static_cast<int64_t>(fs::file_size(t / "raft.log")));
    EXPECT_EQ(d->last(), offset_t{105});
    EXPECT_EQ(d->last_term(), term_t{3});
  }
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->recovery().cut_at, -1) << "nothing to cut";
  raft::durable_state s = d->take_loaded();
  EXPECT_EQ(s.hard, (raft::hard_state{term_t{1}, node_id{3}}));
  EXPECT_EQ(s.log_start, offset_t{0});
  EXPECT_EQ(s.entries, written);
  EXPECT_EQ(d->entry_count(), 4u);
  // Appends continue after a reopen.
  ASSERT_TRUE(d->write(append_req({make_entry(106, 106, 3, "next")})).ok());
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  EXPECT_EQ(load(t.path()).entries.size(), 5u);
}

TEST(RaftDisk, HardStateIsDurableOnlyAfterSync) {
  temp_dir t;
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    raft::persist_request r;
    r.hard = raft::hard_state{term_t{5}, node_id{2}};
    ASSERT_TRUE(d->write(r).ok());
    EXPECT_FALSE(fs::exists(t / "raft.state")) << "staged, not written before sync";
    ASSERT_TRUE(d->sync().ok());
    r.hard = raft::hard_state{term_t{6}, raft::no_node};
    ASSERT_TRUE(d->write(r).ok()); // never synced: lost like in a crash
    EXPECT_EQ(d->hard().term, term_t{6});
  }
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->loaded().hard, (raft::hard_state{term_t{5}, node_id{2}}));
  EXPECT_EQ(fs::file_size(t / "raft.state"), disk_format::state_size);
  EXPECT_FALSE(fs::exists(t / "raft.state.tmp"));
}

TEST(RaftDisk, TruncateThenAppendReplacesTheTail) {
  temp_dir t;
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->write(append_req(entries(0, 10, 1))).ok());
    ASSERT_TRUE(d->sync().ok());
    raft::persist_request r = append_req(entries(5, 3, 2), 2);
    r.truncate_from = offset_t{5};
    ASSERT_TRUE(d->write(r).ok());
    ASSERT_TRUE(d->sync().ok());
    EXPECT_EQ(d->last(), offset_t{7});
    EXPECT_EQ(d->bytes(), static_cast<int64_t>(fs::file_size(t / "raft.log")));
  }
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  std::vector<raft::entry> want = entries(0, 5, 1);
  for (auto& e : entries(5, 3, 2))
    want.push_back(e);
  EXPECT_EQ(d->loaded().entries, want);
  // Truncating everything (at log_start) leaves an empty log that takes a new term.
  raft::persist_request r = append_req(entries(0, 1, 4), 3);
  r.truncate_from = offset_t{0};
  ASSERT_TRUE(d->write(r).ok());
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  EXPECT_EQ(load(t.path()).entries, entries(0, 1, 4));
}

TEST(RaftDisk, ResetDropsEverythingAndKeepsTheNewStart) {
  temp_dir t;
  raft::producer_snapshot producers = {
      {7, {{0, 4, offset_t{90}, offset_t{94}}, {5, 9, offset_t{95}, offset_t{99}}}},
      {8, {{0, 0, offset_t{80}, offset_t{80}}}},
  };
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->write(append_req(entries(0, 10, 1))).ok());
    ASSERT_TRUE(d->sync().ok());
    raft::persist_request r = append_req(entries(100, 5, 3), 2);
    r.hard = raft::hard_state{term_t{3}, raft::no_node};
    r.reset = true;
    r.reset_log_start = offset_t{100};
    r.reset_prefix_term = term_t{2};
    r.reset_producers = producers;
    r.truncate_from = offset_t{100}; // nothing left to cut after the reset
    ASSERT_TRUE(d->write(r).ok());
    EXPECT_TRUE(fs::exists(t / "raft.state")) << "the staged term is written before the reset";
    ASSERT_TRUE(d->sync().ok());
    EXPECT_EQ(d->log_start(), offset_t{100});
  }
  EXPECT_FALSE(fs::exists(t / "raft.log.tmp"));
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  const raft::durable_state& s = d->loaded();
  EXPECT_EQ(s.log_start, offset_t{100});
  EXPECT_EQ(s.prefix_term, term_t{2});
  EXPECT_EQ(s.producers, producers);
  EXPECT_EQ(s.entries, entries(100, 5, 3));
  EXPECT_EQ(s.hard.term, term_t{3});
}

TEST(RaftDisk, TornTailRecoversToTheLastWholeEntry) {
  for (size_t keep_of_last : {size_t{0}, size_t{2}, size_t{20}, size_t{50}}) {
    SCOPED_TRACE("bytes of the last record kept: " + std::to_string(keep_of_last));
    temp_dir t;
    int64_t last_at = 0;
    {
      auto d = open_ok(t.path());
      ASSERT_TRUE(d);
      ASSERT_TRUE(d->write(append_req(entries(0, 4, 1, 100))).ok());
      last_at = d->bytes();
      ASSERT_TRUE(d->write(append_req(entries(4, 1, 1, 100), 2)).ok());
      ASSERT_TRUE(d->sync().ok());
    }
    fs::resize_file(t / "raft.log", static_cast<uintmax_t>(last_at) + keep_of_last);
    log_capture logs;
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    EXPECT_EQ(d->loaded().entries, entries(0, 4, 1, 100));
    EXPECT_EQ(d->bytes(), last_at);
    EXPECT_EQ(fs::file_size(t / "raft.log"), static_cast<uintmax_t>(last_at)) << "cut on disk";
    if (keep_of_last == 0) {
      EXPECT_EQ(d->recovery().cut_at, -1) << "a clean end is not a cut";
      continue;
    }
    EXPECT_EQ(d->recovery().cut_at, last_at);
    EXPECT_EQ(d->recovery().bytes_dropped, static_cast<int64_t>(keep_of_last));
    bool logged = false;
    for (const auto& l : logs.lines())
      logged |= contains(l, "byte " + std::to_string(last_at)) && contains(l, "raft.log");
    EXPECT_TRUE(logged) << "the cut is logged with its byte position";
    // The log continues where the whole entries end.
    ASSERT_TRUE(d->write(append_req(entries(4, 2, 2), 3)).ok());
    ASSERT_TRUE(d->sync().ok());
    d.reset();
    raft::durable_state again = load(t.path());
    ASSERT_FALSE(again.entries.empty());
    EXPECT_EQ(again.entries.back().last, offset_t{5});
  }
}

TEST(RaftDisk, FlippedByteInTheMiddleRecordCutsFromThere) {
  temp_dir t;
  std::vector<int64_t> at;
  {
    auto d = open_ok(t.path());
    ASSERT_TRUE(d);
    for (int i = 0; i < 5; ++i) {
      at.push_back(d->bytes());
      ASSERT_TRUE(d->write(append_req(entries(i * 3, 3, 1, 64), i + 1)).ok());
    }
    ASSERT_TRUE(d->sync().ok());
  }
  std::string bytes = read_file(t / "raft.log");
  bytes[static_cast<size_t>(at[2]) + disk_format::entry_header + 10] ^= 0x40; // a payload byte
  write_file(t / "raft.log", bytes);
  log_capture logs;
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->loaded().entries.size(), 6u) << "the two records before the damage";
  EXPECT_EQ(d->last(), offset_t{5});
  EXPECT_EQ(d->recovery().cut_at, at[2]);
  EXPECT_EQ(d->recovery().reason, "its CRC does not match");
  EXPECT_EQ(fs::file_size(t / "raft.log"), static_cast<uintmax_t>(at[2]));
  bool logged = false;
  for (const auto& l : logs.lines())
    logged |= contains(l, "byte " + std::to_string(at[2])) && contains(l, "CRC");
  EXPECT_TRUE(logged) << "the cut is logged with its byte position and reason";
}

TEST(RaftDisk, NonContiguousEntriesAreRefusedAndNothingIsWritten) {
  temp_dir t;
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->write(append_req(entries(0, 3, 2))).ok());
  const int64_t size = d->bytes();
  struct bad_case {
    const char* what;
    std::vector<raft::entry> es;
    const char* says;
  };
  std::vector<bad_case> cases = {
      {"gap", {make_entry(3, 3, 2, "ok"), make_entry(5, 5, 2, "gap")}, "offset 4 is next"},
      {"overlap", {make_entry(2, 2, 2, "again")}, "offset 3 is next"},
      {"empty range", {make_entry(3, 2, 2, "")}, "empty range"},
      {"too many records", {make_entry(3, int64_t{3} << 31, 2, "")}, "can count"},
      {"lower term", {make_entry(3, 3, 1, "old")}, "terms never decrease"},
  };
  for (const auto& c : cases) {
    status st = d->write(append_req(c.es, 9));
    EXPECT_EQ(st.code(), errc::invalid_argument) << c.what;
    EXPECT_TRUE(contains(st.message(), c.says)) << c.what << ": " << st.message();
    EXPECT_TRUE(contains(st.message(), "nothing written")) << st.message();
    EXPECT_EQ(d->bytes(), size) << c.what;
  }
  // A truncation in the same request changes what "next" is.
  raft::persist_request r = append_req({make_entry(1, 1, 3, "new")}, 10);
  r.truncate_from = offset_t{1};
  EXPECT_TRUE(d->write(r).ok());
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  EXPECT_EQ(load(t.path()).entries.size(), 2u);
}

TEST(RaftDisk, HardStateGoingBackIsRefused) {
  temp_dir t;
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  raft::persist_request r;
  r.hard = raft::hard_state{term_t{4}, node_id{1}};
  ASSERT_TRUE(d->write(r).ok());
  r.hard = raft::hard_state{term_t{3}, node_id{1}};
  EXPECT_EQ(d->write(r).code(), errc::invalid_argument) << "terms never decrease";
  r.hard = raft::hard_state{term_t{4}, node_id{2}};
  status st = d->write(r);
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_TRUE(contains(st.message(), "one vote per term")) << st.message();
  r.hard = raft::hard_state{term_t{5}, raft::no_node};
  EXPECT_TRUE(d->write(r).ok());
}

TEST(RaftDisk, RecoveryRefusesEntriesThatDoNotFollowEachOther) {
  // Records with valid CRCs but a gap (or a term going back) are not a torn write: the
  // file is refused, naming it and the byte position, instead of silently cut.
  struct bad_case {
    std::vector<raft::entry> es;
    const char* says;
  };
  std::vector<bad_case> cases = {
      {{make_entry(0, 1, 1, "a"), make_entry(3, 3, 1, "b")}, "offset 2 was due"},
      {{make_entry(0, 1, 2, "a"), make_entry(2, 2, 1, "b")}, "terms never decrease"},
      {{make_entry(5, 5, 1, "a")}, "offset 0 was due"},
      {{make_entry(0, std::numeric_limits<int64_t>::max(), 1, "a")}, "can count"},
  };
  for (const auto& c : cases) {
    temp_dir t;
    std::string bytes = disk_format::encode_log_header({});
    const size_t second_at = bytes.size() + disk_format::entry_size(c.es[0]);
    for (const auto& e : c.es)
      disk_format::append_entry(e, bytes);
    write_file(t / "raft.log", bytes);
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), errc::corrupt_data);
    const std::string& m = d.error().message();
    EXPECT_TRUE(contains(m, t / "raft.log")) << m;
    EXPECT_TRUE(contains(m, c.says)) << m;
    const size_t pos =
        c.es.size() == 1 ? bytes.size() - disk_format::entry_size(c.es[0]) : second_at;
    EXPECT_TRUE(contains(m, "byte " + std::to_string(pos))) << m;
    EXPECT_EQ(read_file(t / "raft.log"), bytes) << "a refused file is left as it was";
  }
}

TEST(RaftDisk, DamagedHeaderOrStateFileIsCorruptDataNamingThePath) {
  {
    temp_dir t;
    { open_ok(t.path()); }
    std::string bytes = read_file(t / "raft.log");
    bytes[14] ^= 1; // inside the header body: log_start
    write_file(t / "raft.log", bytes);
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), errc::corrupt_data);
    EXPECT_TRUE(contains(d.error().message(), t / "raft.log")) << d.error().message();
    EXPECT_TRUE(contains(d.error().message(), "CRC")) << d.error().message();
  }
  {
    temp_dir t;
    write_file(t / "raft.log", "PPRX");
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), errc::corrupt_data);
    EXPECT_TRUE(contains(d.error().message(), "shorter than its header")) << d.error().message();
  }
  {
    temp_dir t;
    write_file(t / "raft.state", disk_format::encode_state({term_t{9}, node_id{1}}).substr(0, 20));
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), errc::corrupt_data);
    EXPECT_TRUE(contains(d.error().message(), t / "raft.state")) << d.error().message();
    EXPECT_TRUE(contains(d.error().message(), "vote")) << d.error().message();
  }
  {
    temp_dir t;
    std::string s = disk_format::encode_state({term_t{9}, node_id{1}});
    s[6] ^= 2;
    write_file(t / "raft.state", s);
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok());
    EXPECT_TRUE(contains(d.error().message(), "fails its CRC")) << d.error().message();
  }
}

TEST(RaftDisk, FilesThatCannotBeCheckedAreAnErrorNotAFreshStart) {
  // A stat that fails (here a symlink loop: ELOOP) must not read as "missing", which
  // would start the replica with no vote or replace its log.
  for (const char* name : {"raft.state", "raft.log"}) {
    temp_dir t;
    fs::create_symlink(t / name, t / name);
    auto d = raft_disk::open(t.path());
    ASSERT_FALSE(d.ok()) << name;
    EXPECT_EQ(d.error().code(), errc::io_error);
    EXPECT_TRUE(contains(d.error().message(), t / name)) << d.error().message();
    EXPECT_TRUE(fs::is_symlink(t / name)) << "left as it was";
  }
}

TEST(RaftDisk, LeftoverTempFilesAreRemovedOnOpen) {
  temp_dir t;
  { open_ok(t.path()); }
  write_file(t / "raft.log.tmp", "half a reset");
  write_file(t / "raft.state.tmp", "half a vote");
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  EXPECT_FALSE(fs::exists(t / "raft.log.tmp"));
  EXPECT_FALSE(fs::exists(t / "raft.state.tmp"));
}

TEST(RaftDisk, DirectoryIsOpenedByOneRaftDiskAtATime) {
  temp_dir t;
  auto first = open_ok(t.path());
  ASSERT_TRUE(first);
  auto second = raft_disk::open(t.path());
  ASSERT_FALSE(second.ok()) << "two writers would interleave their records";
  EXPECT_TRUE(contains(second.error().message(), "already open")) << second.error().message();
  EXPECT_TRUE(contains(second.error().message(), t.path())) << second.error().message();
  first.reset();
  EXPECT_TRUE(open_ok(t.path())) << "closing releases the directory";
}

TEST(RaftDisk, DirectoryThatIsAFileIsRefused) {
  temp_dir t;
  write_file(t / "plain", "x");
  auto d = raft_disk::open(t / "plain");
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.error().message(), t / "plain")) << d.error().message();
}

} // namespace
} // namespace pinpipe::cluster
