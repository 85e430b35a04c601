// The real records of the original course (copied from shared/data/real-samples into data/):
// every pin and geo record cleans, and exactly the two stray records on the user topic
// (offsets 13 and 14) become dead letters. The CSV exports are converted back to the JSON shape
// the emulator sends (numbers as numbers) and must all clean too.
#include "pipeline/clean/cleaner.hpp"
#include "pipeline/clean/json_fields.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pinpipe::clean {
namespace {

using json = nlohmann::json;

std::string read_file(const std::string& name) {
  std::ifstream in(std::string(PINPIPE_CLEAN_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open test data " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct consumed {
  std::string topic;
  int64_t offset;
  std::string raw; // the value as JSON text, as the log stores it
};

std::vector<consumed> consumer_dump(const std::string& name) {
  std::vector<consumed> out;
  for (auto& rec : json::parse(read_file(name)))
    out.push_back({rec["topic"], rec["offset"].get<int64_t>(), rec["value"].dump()});
  return out;
}

TEST(RealSamples, AllPinConsumerRecordsClean) {
  auto recs = consumer_dump("pin_consumer.json");
  ASSERT_EQ(recs.size(), 41u);
  int with_null_followers = 0;
  for (auto& r : recs) {
    ASSERT_EQ(kind_of(r.topic), kind::pin);
    auto c = clean(kind::pin, r.raw);
    ASSERT_TRUE(c.ok()) << "offset " << r.offset << ": " << c.error().message();
    auto& p = std::get<pin_row>(*c);
    EXPECT_EQ(p.ind, json::parse(r.raw)["index"].get<int64_t>());
    ASSERT_TRUE(p.save_location.has_value());
    EXPECT_EQ(*p.save_location, "/data/" + *p.category);
    if (!p.follower_count) ++with_null_followers;
  }
  EXPECT_EQ(with_null_followers, 1); // the one "User Info Error" record
}

TEST(RealSamples, AllGeoConsumerRecordsClean) {
  auto recs = consumer_dump("geo_consumer.json");
  ASSERT_EQ(recs.size(), 72u);
  for (auto& r : recs) {
    ASSERT_EQ(kind_of(r.topic), kind::geo);
    auto c = clean(kind::geo, r.raw);
    ASSERT_TRUE(c.ok()) << "offset " << r.offset << ": " << c.error().message();
    auto v = json::parse(r.raw);
    auto& g = std::get<geo_row>(*c);
    EXPECT_EQ(g.latitude, v["latitude"].get<double>());
    EXPECT_EQ(g.longitude, v["longitude"].get<double>());
    EXPECT_EQ(json::parse(coordinates_json(g)), json::array({v["latitude"], v["longitude"]}));
    EXPECT_EQ(g.timestamp, v["timestamp"].get<std::string>());
  }
}

TEST(RealSamples, UserTopicStrayPinAndGeoRecordsAreTheOnlyDeadLetters) {
  auto recs = consumer_dump("user_consumer.json");
  ASSERT_EQ(recs.size(), 82u);
  std::set<int64_t> dead;
  int clean_count = 0;
  for (auto& r : recs) {
    ASSERT_EQ(kind_of(r.topic), kind::user);
    auto c = clean(kind::user, r.raw);
    if (!c.ok()) {
      dead.insert(r.offset);
      continue;
    }
    ++clean_count;
    auto v = json::parse(r.raw);
    EXPECT_EQ(std::get<user_row>(*c).user_name,
              v["first_name"].get<std::string>() + " " + v["last_name"].get<std::string>());
  }
  EXPECT_EQ(dead, (std::set<int64_t>{13, 14}));
  EXPECT_EQ(clean_count, 80);
  EXPECT_EQ(clean(kind::user, recs[13].raw).error().message(),
            "user record: field 'ind' is missing");
  EXPECT_EQ(clean(kind::user, recs[14].raw).error().message(),
            "user record: field 'first_name' is missing");
}

TEST(RealSamples, BothBackendsAgreeOnEveryConsumerRecord) {
  if (!detail::have_simdjson()) GTEST_SKIP() << "simdjson not compiled in";
  for (auto [file, k] :
       {std::pair{"pin_consumer.json", kind::pin}, std::pair{"geo_consumer.json", kind::geo},
        std::pair{"user_consumer.json", kind::user}}) {
    for (auto& r : consumer_dump(file)) {
      auto a = detail::clean_with(detail::json_backend::simdjson, k, r.raw);
      auto b = detail::clean_with(detail::json_backend::nlohmann, k, r.raw);
      ASSERT_EQ(a.ok(), b.ok()) << file << " offset " << r.offset;
      if (a.ok())
        EXPECT_TRUE(*a == *b) << file << " offset " << r.offset;
      else
        EXPECT_EQ(a.error().message(), b.error().message());
    }
  }
}

// ---- CSV samples ----

// RFC 4180 rows: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        field += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field)), field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field)), field.clear();
      rows.push_back(std::move(row)), row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) row.push_back(field), rows.push_back(row);
  return rows;
}

// Each CSV row as the JSON object the emulator would send: listed columns become numbers.
std::vector<std::string> csv_as_json(const std::string& file, const std::set<std::string>& ints,
                                     const std::set<std::string>& floats) {
  auto rows = parse_csv(read_file(file));
  EXPECT_GT(rows.size(), 1u);
  std::vector<std::string> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    EXPECT_EQ(rows[r].size(), rows[0].size()) << file << " row " << r;
    json j = json::object();
    for (std::size_t c = 0; c < rows[0].size() && c < rows[r].size(); ++c) {
      const auto& name = rows[0][c];
      const auto& v = rows[r][c];
      if (ints.count(name))
        j[name] = std::stoll(v);
      else if (floats.count(name))
        j[name] = std::stod(v);
      else
        j[name] = v;
    }
    out.push_back(j.dump());
  }
  return out;
}

TEST(RealSamples, AllCsvPinRowsClean) {
  auto recs = csv_as_json("df_pin.csv", {"index", "downloaded"}, {});
  ASSERT_EQ(recs.size(), 63u);
  int null_posters = 0;
  for (auto& raw : recs) {
    auto c = clean(kind::pin, raw);
    ASSERT_TRUE(c.ok()) << raw << ": " << c.error().message();
    auto& p = std::get<pin_row>(*c);
    if (!p.poster_name) ++null_posters;
    EXPECT_EQ(p.save_location, "/data/" + p.category.value_or("?"));
  }
  EXPECT_EQ(null_posters, 2); // README: "User Info Error" appears in 2 rows
}

TEST(RealSamples, AllCsvGeoRowsClean) {
  auto recs = csv_as_json("df_geo.csv", {"ind"}, {"latitude", "longitude"});
  ASSERT_EQ(recs.size(), 63u);
  for (auto& raw : recs) {
    auto c = clean(kind::geo, raw);
    ASSERT_TRUE(c.ok()) << raw << ": " << c.error().message();
  }
}

TEST(RealSamples, AllCsvUserRowsClean) {
  auto recs = csv_as_json("df_user.csv", {"ind", "age"}, {});
  ASSERT_EQ(recs.size(), 98u);
  for (auto& raw : recs) {
    auto c = clean(kind::user, raw);
    ASSERT_TRUE(c.ok()) << raw << ": " << c.error().message();
  }
}

} // namespace
} // namespace pinpipe::clean
