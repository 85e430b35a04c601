// The batch job end to end on small lakes written here in the documented S3 sink layout
// (topics/<topic>/partition=<p>/<topic>+<p>+<10-digit offset>.json, JSON lines), with a real
// warehouse file: de-duplication by lowest (offset, partition), dead letters, outputs.
#include "pipeline/batch/batch_job.hpp"

#include <cinttypes>
#include <cstdio>
#include <random>
#include <set>

#include "pipeline/batch/queries.hpp"
#include "pipeline/warehouse/warehouse.hpp"
#include "tests/batch/batch_fixture.hpp"

namespace pinpipe::batch::test {
namespace {

const std::string uid = "0a60b9a8a831";

std::string pin(int64_t ind, const std::string& category, const std::string& followers = "1k") {
  return R"({"index": )" + std::to_string(ind) + R"(, "unique_id": "u-)" + std::to_string(ind) +
         R"(", "title": "T", "description": "D", "poster_name": "P)" + std::to_string(ind) +
         R"(", "follower_count": ")" + followers +
         R"(", "tag_list": "a,b", "is_image_or_video": "image", "image_src": "https://x/)" +
         std::to_string(ind) + R"(.jpg", "downloaded": 1, "save_location": "Local save in /data/)" +
         category + R"(", "category": ")" + category + R"("})";
}
std::string geo(int64_t ind, const std::string& country,
                const std::string& ts = "2019-05-05 10:00:00") {
  return R"({"ind": )" + std::to_string(ind) + R"(, "timestamp": ")" + ts +
         R"(", "latitude": 1.5, "longitude": -2.25, "country": ")" + country + R"("})";
}
std::string user(int64_t ind, int age, const std::string& joined = "2016-02-02 02:02:02") {
  return R"({"ind": )" + std::to_string(ind) + R"(, "first_name": "F)" + std::to_string(ind) +
         R"(", "last_name": "L", "age": )" + std::to_string(age) + R"(, "date_joined": ")" +
         joined + R"("})";
}

class batch_job : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_batch_job_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    lake_ = dir_ + "/lake";
    auto w = warehouse::warehouse::open(dir_ + "/warehouse.db", uid);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    wh_ = std::move(w.value());
  }
  void TearDown() override {
    wh_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Writes one lake object: the lines, each newline-terminated.
  void object(const std::string& topic, int partition, int64_t start,
              const std::vector<std::string>& lines) {
    char name[64];
    std::snprintf(name, sizeof name, "+%d+%010" PRId64 ".json", partition, start);
    auto dir = std::filesystem::path(lake_) / "topics" / topic /
               ("partition=" + std::to_string(partition));
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / (topic + name), std::ios::binary);
    for (const auto& l : lines)
      out << l << '\n';
  }

  batch_options options(const std::string& run_id = "run-1") {
    batch_options o;
    o.lake_dir = lake_;
    o.uid = uid;
    o.results_dir = dir_ + "/results";
    o.run_id = run_id;
    o.clean_threads = 2;
    return o;
  }

  rows_t select(const std::string& sql) {
    auto rows = warehouse::sql::query_text(wh_->handle(), sql);
    EXPECT_TRUE(rows.ok()) << rows.error().to_string();
    return rows ? *rows : rows_t{};
  }

  // The small lake of the end-to-end tests; the expected effect of each line is noted.
  void write_small_lake() {
    const std::string p = uid + ".pin", g = uid + ".geo", u = uid + ".user";
    object(p, 0, 0, {pin(1, "art"), pin(2, "beauty")}); // (0,p0) ind1 kept; (1,p0) ind2 loses
    object(p, 0, 2,
           {pin(1, "travel"),                               // (2,p0) dup of ind1: dropped
            R"({"index": 9, "title": "no unique_id"})"});   // dead letter (clean)
    object(p, 0, 4, {"not json {"});                        // dead letter (lake)
    object(p, 0, 5, {pin(4, "finance")});                   // (5,p0) beats (5,p1): same offset
    object(p, 1, 0, {pin(2, "quotes"), pin(3, "tattoos")}); // (0,p1) ind2 kept over (1,p0)
    object(p, 1, 2, {pin(5, "art"), pin(5, "beauty"), pin(6, "art"), pin(4, "vehicles")});
    object(g, 0, 0, {geo(1, "Albania"), geo(2, "Albania"), geo(3, "Chile"), geo(1, "Peru")});
    object(g, 0, 4,
           {geo(4, "Chile"), geo(5, "Albania"), geo(6, "Chile"),
            R"({"ind": 7, "timestamp": "2019-01-01 00:00:00", "longitude": 1})"});
    object(u, 0, 0,
           {user(1, 20), user(2, 30), user(3, 40), user(4, 55), user(5, 17), user(6, 24),
            R"({"ind": 8, "first_name": "A", "last_name": "B",)"
            R"( "age": "thirty", "date_joined": "2016-01-01 00:00:00"})"});
    object(uid + ".extra", 0, 0, {R"({"x": 1})"});       // matches <uid>\..* but is no known kind
    object("ffffffffffff.pin", 0, 0, {pin(100, "art")}); // another uid: not read at all
  }

  std::string dir_, lake_;
  std::unique_ptr<warehouse::warehouse> wh_;
};

TEST_F(batch_job, KeepsTheLowestOffsetPerIndAndReportsCounts) {
  write_small_lake();
  auto r = run_batch(*wh_, options());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(select("SELECT ind, category, save_location FROM pin_clean ORDER BY ind"),
            (rows_t{{"1", "art", "/data/art"},
                    {"2", "quotes", "/data/quotes"},
                    {"3", "tattoos", "/data/tattoos"},
                    {"4", "finance", "/data/finance"},
                    {"5", "art", "/data/art"},
                    {"6", "art", "/data/art"}}));
  EXPECT_EQ(select("SELECT ind, country FROM geo_clean ORDER BY ind"), (rows_t{{"1", "Albania"},
                                                                               {"2", "Albania"},
                                                                               {"3", "Chile"},
                                                                               {"4", "Chile"},
                                                                               {"5", "Albania"},
                                                                               {"6", "Chile"}}));
  EXPECT_EQ(select("SELECT count(*) FROM user_clean"), (rows_t{{"6"}}));
  // Lines handed out as records: pin 11 (the non-JSON line is a lake problem), geo 8, user 7,
  // extra 1. Cleaned: pin 10, geo 7, user 6. Kept: 6 + 6 + 6; duplicates 4 + 1 + 0.
  EXPECT_EQ(r->records_read, 27);
  EXPECT_EQ(r->records_cleaned, 23);
  EXPECT_EQ(r->pin_rows, 6);
  EXPECT_EQ(r->geo_rows, 6);
  EXPECT_EQ(r->user_rows, 6);
  EXPECT_EQ(r->duplicates_dropped, 5);
  EXPECT_EQ(r->lake_problems, 1);
  EXPECT_EQ(r->dead_letters, 5);
  EXPECT_GE(r->stages.size(), 5u);
}

TEST_F(batch_job, BadRecordsBecomeBatchDeadLettersWithTheirPosition) {
  write_small_lake();
  auto r = run_batch(*wh_, options());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto dead = select("SELECT path, topic, partition, offset FROM dead_letters "
                     "ORDER BY topic, partition, offset");
  EXPECT_EQ(dead, (rows_t{{"batch", uid + ".extra", "0", "0"},
                          {"batch", uid + ".geo", "0", "7"},
                          {"batch", uid + ".pin", "0", "3"},
                          {"batch", uid + ".pin", "0", "4"},
                          {"batch", uid + ".user", "0", "6"}}));
  auto reasons = select("SELECT offset, raw, reason FROM dead_letters WHERE topic = '" + uid +
                        ".pin' ORDER BY offset");
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_NE(reasons[0][2]->find("unique_id"), std::string::npos) << *reasons[0][2];
  EXPECT_EQ(*reasons[1][1], "not json {");
  EXPECT_EQ(reasons[1][2]->rfind("lake: ", 0), 0u) << *reasons[1][2];
}

TEST_F(batch_job, WritesAllNineOutputsIntoTheRunDirectory) {
  write_small_lake();
  std::vector<batch_progress> seen;
  auto r = run_batch(*wh_, options("scheduled__2024-01-01T00:00:00"),
                     [&](const batch_progress& p) { seen.push_back(p); });
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const std::string out = dir_ + "/results/scheduled__2024-01-01T00:00:00";
  EXPECT_EQ(r->output_dir, out);
  EXPECT_EQ(r->outputs, query_names());
  for (const auto& name : query_names()) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + name + ".csv")) << name;
    EXPECT_EQ(
        select("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'"),
        (rows_t{{"1"}}))
        << name;
  }
  // pin x geo: Albania art(1), quotes(2), art(5) -> art 2; Chile tattoos(3), finance(4), art(6)
  // -> a three-way tie.
  EXPECT_EQ(read_file(out + "/popular_category_by_country.csv"),
            "country,category,category_count\n"
            "Albania,art,2\n"
            "Chile,art,1\nChile,finance,1\nChile,tattoos,1\n");
  // pin x user: ages 20 24 (18-24: art, art), 30 (25-35: quotes), 40 (36-50: tattoos),
  // 55 (+50: finance); 17 in no group.
  EXPECT_EQ(read_file(out + "/popular_category_by_age_group.csv"),
            "age_group,category,category_count\n"
            "+50,finance,1\n18-24,art,2\n25-35,quotes,1\n36-50,tattoos,1\n");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().stage, "queries");
  EXPECT_EQ(seen.back().done, 9);
  EXPECT_EQ(seen.back().total, 9);
  bool read_seen = false;
  for (const auto& p : seen)
    read_seen |= (p.stage == "read" && p.done == p.total);
  EXPECT_TRUE(read_seen);
}

TEST_F(batch_job, ASecondRunReplacesTheBatchTablesAndAddsNoDuplicateDeadLetters) {
  write_small_lake();
  ASSERT_TRUE(run_batch(*wh_, options("run-1")).ok());
  // The lake grows: a later object repeats ind 1 (higher offset: ignored) and adds ind 7.
  object(uid + ".pin", 1, 6, {pin(1, "vehicles"), pin(7, "education")});
  auto r = run_batch(*wh_, options("run-2"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(select("SELECT ind, category FROM pin_clean WHERE ind IN (1, 7) ORDER BY ind"),
            (rows_t{{"1", "art"}, {"7", "education"}}));
  EXPECT_EQ(select("SELECT count(*) FROM pin_clean"), (rows_t{{"7"}}));
  EXPECT_EQ(select("SELECT count(*) FROM dead_letters"), (rows_t{{"5"}}));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/results/run-1/users_joined_by_year.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/results/run-2/users_joined_by_year.csv"));
}

TEST_F(batch_job, RejectsARunIdThatIsNotOnePathComponent) {
  for (std::string bad : {"", "..", "a/b"}) {
    auto r = run_batch(*wh_, options(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), errc::invalid_argument) << bad;
  }
}

TEST_F(batch_job, AMissingLakeDirectoryIsAnErrorAndLeavesTheTablesAlone) {
  write_small_lake();
  ASSERT_TRUE(run_batch(*wh_, options()).ok());
  auto o = options("run-2");
  o.lake_dir = dir_ + "/no-such-lake";
  auto r = run_batch(*wh_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::not_found) << r.error().to_string();
  EXPECT_EQ(select("SELECT count(*) FROM pin_clean"), (rows_t{{"6"}}));
}

// A larger seeded lake: records sampled with replacement like the emulator, objects of many
// records, 3 partitions. Checks the counts against a model computed here, and prints the
// throughput. PINPIPE_BATCH_BENCH_EVENTS raises the size (e.g. 333334 for a 1M-record lake).
TEST_F(batch_job, LargeSampledLakeKeepsOneRowPerDistinctKey) {
  int64_t events = 20000;
  if (const char* e = std::getenv("PINPIPE_BATCH_BENCH_EVENTS")) events = std::atoll(e);
  const int64_t keys = std::max<int64_t>(1, events * 3 / 4);
  const int partitions = 3, per_object = 500;
  std::mt19937_64 rng{42};
  const char* cats[] = {"art", "beauty", "christmas", "diy-and-crafts", "education"};
  const char* countries[] = {"Albania", "Chile", "Peru", "Zambia"};
  std::vector<std::vector<std::string>> lines[3]; // [topic][partition] -> lines
  for (auto& t : lines)
    t.resize(partitions);
  std::set<int64_t> distinct;
  for (int64_t e = 0; e < events; ++e) {
    int64_t n = static_cast<int64_t>(rng() % static_cast<uint64_t>(keys));
    distinct.insert(n);
    int part = static_cast<int>(rng() % partitions);
    lines[0][part].push_back(pin(n, cats[n % 5], std::to_string(n % 97) + "k"));
    lines[1][part].push_back(
        geo(n, countries[n % 4], "20" + std::to_string(17 + n % 6) + "-03-04 05:06:07"));
    lines[2][part].push_back(user(n, 18 + static_cast<int>(n % 45)));
  }
  const char* suffix[] = {".pin", ".geo", ".user"};
  for (int t = 0; t < 3; ++t)
    for (int p = 0; p < partitions; ++p)
      for (size_t s = 0; s < lines[t][p].size(); s += per_object) {
        size_t end = std::min(lines[t][p].size(), s + per_object);
        object(uid + suffix[t], p, static_cast<int64_t>(s),
               std::vector<std::string>(lines[t][p].begin() + s, lines[t][p].begin() + end));
      }
  auto r = run_batch(*wh_, options());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->records_read, 3 * events);
  EXPECT_EQ(r->records_cleaned, 3 * events);
  EXPECT_EQ(r->dead_letters, 0);
  const auto d = static_cast<int64_t>(distinct.size());
  EXPECT_EQ(r->pin_rows, d);
  EXPECT_EQ(r->geo_rows, d);
  EXPECT_EQ(r->user_rows, d);
  EXPECT_EQ(r->duplicates_dropped, 3 * (events - d));
  std::printf("[ bench    ] %" PRId64 " lake records in %.3f s = %.0f records/s\n", r->records_read,
              r->total_seconds, r->records_per_second());
  for (const auto& s : r->stages)
    std::printf("[ stage    ] %-20s %.3f s\n", s.stage.c_str(), s.seconds);
}

} // namespace
} // namespace pinpipe::batch::test
