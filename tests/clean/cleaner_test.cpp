// Record-level cleaning rules (PIPELINE.md section 6) through clean(), run against every JSON
// backend that is compiled in, so that simdjson and nlohmann give the same answers.
#include "pipeline/clean/cleaner.hpp"
#include "pipeline/clean/json_fields.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pinpipe::clean {
namespace {

using detail::json_backend;
using json = nlohmann::json;
using ::testing::HasSubstr;

json valid_pin() {
  return json::parse(R"J({"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
    "title": "No Title Data Available", "description": "No description available Story format",
    "poster_name": "User Info Error", "follower_count": "User Info Error",
    "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
    "is_image_or_video": "multi-video(story page format)", "image_src": "Image src error.",
    "downloaded": 0, "save_location": "Local save in /data/mens-fashion",
    "category": "mens-fashion"})J");
}

json normal_pin() {
  return json::parse(R"J({"index": 5494, "unique_id": "8fb2af68", "title": "Dave Ramsey",
    "description": "If you love budgeting\u2026\u00a0", "poster_name": "Living Low Key",
    "follower_count": "26k", "tag_list": "Financial Peace,Financial Tips",
    "is_image_or_video": "image", "image_src": "https://i.pinimg.com/x.png", "downloaded": 1,
    "save_location": "Local save in /data/finance", "category": "finance"})J");
}

json valid_geo() {
  return json::parse(R"J({"ind": 7528, "latitude": -89.9787, "longitude": -173.293,
    "country": "Albania", "timestamp": "2020-08-28 03:52:47"})J");
}

json valid_user() {
  return json::parse(R"J({"ind": 7528, "first_name": "Abigail", "last_name": "Ali", "age": 20,
    "date_joined": "2015-10-24 11:23:51"})J");
}

class Cleaner : public ::testing::TestWithParam<json_backend> {
protected:
  result<row> run_text(kind k, std::string_view raw) {
    return detail::clean_with(GetParam(), k, raw);
  }
  result<row> run(kind k, const json& j) { return run_text(k, j.dump()); }

  pin_row pin(const json& j) {
    auto r = run(kind::pin, j);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? std::get<pin_row>(*r) : pin_row{};
  }
  geo_row geo(const json& j) {
    auto r = run(kind::geo, j);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? std::get<geo_row>(*r) : geo_row{};
  }
  user_row user(const json& j) {
    auto r = run(kind::user, j);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? std::get<user_row>(*r) : user_row{};
  }
  // The dead-letter reason; fails the test when the record cleans.
  std::string reason_text(kind k, std::string_view raw) {
    auto r = run_text(k, raw);
    EXPECT_FALSE(r.ok()) << "expected a dead letter for: " << raw;
    return r.ok() ? std::string() : r.error().message();
  }
  std::string reason(kind k, const json& j) { return reason_text(k, j.dump()); }
};

// ---- pin ----

TEST_P(Cleaner, PinNormalRecordKeepsItsValuesInColumnOrder) {
  auto p = pin(normal_pin());
  EXPECT_EQ(p.ind, 5494);
  EXPECT_EQ(p.unique_id, "8fb2af68");
  EXPECT_EQ(p.title, "Dave Ramsey");
  EXPECT_EQ(p.description, "If you love budgeting\u2026\u00a0");
  EXPECT_EQ(p.follower_count, 26000);
  EXPECT_EQ(p.poster_name, "Living Low Key");
  EXPECT_EQ(p.tag_list, "Financial Peace,Financial Tips");
  EXPECT_EQ(p.is_image_or_video, "image");
  EXPECT_EQ(p.image_src, "https://i.pinimg.com/x.png");
  EXPECT_EQ(p.save_location, "/data/finance");
  EXPECT_EQ(p.category, "finance");
}

TEST_P(Cleaner, PinStoryRecordPlaceholdersAllBecomeNull) {
  auto p = pin(valid_pin());
  EXPECT_EQ(p.ind, 7528);
  EXPECT_EQ(p.title, std::nullopt);
  EXPECT_EQ(p.description, std::nullopt);
  EXPECT_EQ(p.poster_name, std::nullopt);
  EXPECT_EQ(p.follower_count, std::nullopt);
  EXPECT_EQ(p.tag_list, std::nullopt);
  EXPECT_EQ(p.image_src, std::nullopt);
  EXPECT_EQ(p.is_image_or_video, "multi-video(story page format)"); // kept as is
  EXPECT_EQ(p.save_location, "/data/mens-fashion");
}

TEST_P(Cleaner, PinEveryDescriptionPlaceholderBecomesNull) {
  for (const char* ph :
       {"No description available Story format", "No description available", "Untitled"}) {
    auto j = normal_pin();
    j["description"] = ph;
    EXPECT_EQ(pin(j).description, std::nullopt) << ph;
  }
}

TEST_P(Cleaner, PinPlaceholderOfAnotherColumnIsKept) {
  auto j = normal_pin();
  j["title"] = "Untitled";              // a description placeholder, not a title one
  j["description"] = "User Info Error"; // a poster_name placeholder
  j["category"] = "Image src error.";
  auto p = pin(j);
  EXPECT_EQ(p.title, "Untitled");
  EXPECT_EQ(p.description, "User Info Error");
  EXPECT_EQ(p.category, "Image src error.");
}

TEST_P(Cleaner, PinEmptyStringInAnyTextColumnBecomesNull) {
  for (const char* col : {"title", "description", "poster_name", "tag_list", "is_image_or_video",
                          "image_src", "save_location", "category", "follower_count"}) {
    auto j = normal_pin();
    j[col] = "";
    auto p = pin(j);
    auto all_null_or_set =
        std::vector<std::pair<std::string, bool>>{{"title", !p.title},
                                                  {"description", !p.description},
                                                  {"poster_name", !p.poster_name},
                                                  {"tag_list", !p.tag_list},
                                                  {"is_image_or_video", !p.is_image_or_video},
                                                  {"image_src", !p.image_src},
                                                  {"save_location", !p.save_location},
                                                  {"category", !p.category},
                                                  {"follower_count", !p.follower_count}};
    for (auto& [name, is_null] : all_null_or_set)
      EXPECT_EQ(is_null, name == col) << "emptied " << col << ", checked " << name;
  }
}

TEST_P(Cleaner, PinFollowerCountSuffixesBecomeIntegers) {
  std::vector<std::pair<json, std::optional<int64_t>>> cases = {{"0", 0},
                                                                {"437", 437},
                                                                {"12k", 12000},
                                                                {"8M", 8000000},
                                                                {"1.5k", std::nullopt},
                                                                {"User Info Error", std::nullopt},
                                                                {"", std::nullopt},
                                                                {"12K", std::nullopt},
                                                                {nullptr, std::nullopt},
                                                                {437, 437},
                                                                {-3, std::nullopt},
                                                                {1.5, std::nullopt},
                                                                {true, std::nullopt}};
  for (auto& [value, expected] : cases) {
    auto j = normal_pin();
    j["follower_count"] = value;
    EXPECT_EQ(pin(j).follower_count, expected) << value.dump();
  }
}

TEST_P(Cleaner, PinSaveLocationPrefixIsDropped) {
  auto j = normal_pin();
  j["save_location"] = "Local save in /data/home-decor";
  EXPECT_EQ(pin(j).save_location, "/data/home-decor");
  j["save_location"] = "/data/already-clean";
  EXPECT_EQ(pin(j).save_location, "/data/already-clean");
  j["save_location"] = "Local save in ";
  EXPECT_EQ(pin(j).save_location, std::nullopt);
}

TEST_P(Cleaner, PinDownloadedIsIgnoredWhateverItHolds) {
  auto j = normal_pin();
  j["downloaded"] = json::array({1, 2});
  EXPECT_EQ(pin(j), pin(normal_pin()));
  j.erase("downloaded");
  EXPECT_EQ(pin(j), pin(normal_pin()));
}

TEST_P(Cleaner, PinOptionalFieldsMayBeMissingOrNull) {
  json j = {{"index", 1}, {"unique_id", "u"}, {"title", nullptr}, {"category", nullptr}};
  auto p = pin(j);
  EXPECT_EQ(p.ind, 1);
  EXPECT_EQ(p.unique_id, "u");
  EXPECT_FALSE(p.title || p.description || p.follower_count || p.poster_name || p.tag_list ||
               p.is_image_or_video || p.image_src || p.save_location || p.category);
}

TEST_P(Cleaner, PinOptionalTextOfWrongTypeBecomesNull) {
  auto j = normal_pin();
  j["title"] = 12;
  j["category"] = json::object();
  j["tag_list"] = json::array({"a", "b"});
  j["save_location"] = false;
  auto p = pin(j);
  EXPECT_EQ(p.title, std::nullopt);
  EXPECT_EQ(p.category, std::nullopt);
  EXPECT_EQ(p.tag_list, std::nullopt);
  EXPECT_EQ(p.save_location, std::nullopt);
}

TEST_P(Cleaner, PinRequiredIndexAndUniqueIdAreEnforced) {
  auto j = normal_pin();
  j.erase("index");
  EXPECT_EQ(reason(kind::pin, j), "pin record: field 'index' is missing");
  j = normal_pin();
  j["index"] = nullptr;
  EXPECT_EQ(reason(kind::pin, j), "pin record: field 'index' is null");
  j["index"] = "12";
  EXPECT_EQ(reason(kind::pin, j),
            "pin record: field 'index' has the wrong type: expected an integer, found a string");
  j = normal_pin();
  j.erase("unique_id");
  EXPECT_EQ(reason(kind::pin, j), "pin record: field 'unique_id' is missing");
  j["unique_id"] = 5;
  EXPECT_THAT(reason(kind::pin, j), HasSubstr("field 'unique_id' has the wrong type"));
  j["unique_id"] = "";
  EXPECT_THAT(reason(kind::pin, j), HasSubstr("field 'unique_id' is empty"));
}

TEST_P(Cleaner, PinIndexMustBeAnIntegerLiteral) {
  // 12.5 and 12.0 and 1e3 are all "a number with a fraction or exponent": dead letters.
  for (const char* raw :
       {R"J({"index": 12.5, "unique_id": "u"})J", R"J({"index": 12.0, "unique_id": "u"})J",
        R"J({"index": 1e3, "unique_id": "u"})J"})
    EXPECT_THAT(reason_text(kind::pin, raw),
                HasSubstr("field 'index' has the wrong type: expected an "
                          "integer, found a number with a fraction"));
  EXPECT_EQ(pin(json::parse(R"J({"index": -4, "unique_id": "u"})J")).ind, -4);
  EXPECT_EQ(pin(json::parse(R"J({"index": 9223372036854775807, "unique_id": "u"})J")).ind,
            INT64_MAX);
  EXPECT_THAT(reason_text(kind::pin, R"J({"index": 9223372036854775808, "unique_id": "u"})J"),
              HasSubstr("field 'index' is out of range"));
  EXPECT_THAT(reason_text(kind::pin, R"J({"index": true, "unique_id": "u"})J"),
              HasSubstr("found a boolean"));
}

// ---- geo ----

TEST_P(Cleaner, GeoCoordinatesAreLatitudeThenLongitude) {
  auto g = geo(valid_geo());
  EXPECT_EQ(g.ind, 7528);
  EXPECT_EQ(g.country, "Albania");
  EXPECT_EQ(g.latitude, -89.9787);
  EXPECT_EQ(g.longitude, -173.293);
  EXPECT_EQ(coordinates_json(g), "[-89.9787, -173.293]");
  EXPECT_EQ(g.timestamp, "2020-08-28 03:52:47");
}

TEST_P(Cleaner, GeoIntegerCoordinatesAreAcceptedAsDoubles) {
  auto j = valid_geo();
  j["latitude"] = 10;
  j["longitude"] = -5;
  auto g = geo(j);
  EXPECT_EQ(g.latitude, 10.0);
  EXPECT_EQ(coordinates_json(g), "[10.0, -5.0]");
}

TEST_P(Cleaner, GeoIsoTimestampIsNormalised) {
  auto j = valid_geo();
  j["timestamp"] = "2021-03-04T05:06:07";
  EXPECT_EQ(geo(j).timestamp, "2021-03-04 05:06:07");
}

TEST_P(Cleaner, GeoInvalidTimestampIsADeadLetter) {
  auto j = valid_geo();
  j["timestamp"] = "2021-02-30 00:00:00";
  EXPECT_EQ(reason(kind::geo, j),
            "geo record: field 'timestamp' is not a valid timestamp: '2021-02-30 00:00:00' "
            "(expected YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS)");
  j["timestamp"] = 1598586767; // epoch seconds are not accepted
  EXPECT_THAT(reason(kind::geo, j), HasSubstr("field 'timestamp' has the wrong type"));
  j["timestamp"] = "";
  EXPECT_THAT(reason(kind::geo, j), HasSubstr("field 'timestamp' is empty"));
}

TEST_P(Cleaner, GeoRequiredFieldsAreEnforced) {
  for (const char* f : {"ind", "timestamp", "latitude", "longitude"}) {
    auto j = valid_geo();
    j.erase(f);
    EXPECT_EQ(reason(kind::geo, j), std::string("geo record: field '") + f + "' is missing");
    j[f] = nullptr;
    EXPECT_EQ(reason(kind::geo, j), std::string("geo record: field '") + f + "' is null");
  }
  auto j = valid_geo();
  j["latitude"] = "-89.9";
  EXPECT_EQ(reason(kind::geo, j),
            "geo record: field 'latitude' has the wrong type: expected a number, found a string");
  j = valid_geo();
  j["ind"] = 3.5;
  EXPECT_THAT(reason(kind::geo, j), HasSubstr("field 'ind' has the wrong type"));
}

TEST_P(Cleaner, GeoCountryIsOptional) {
  auto j = valid_geo();
  j.erase("country");
  EXPECT_EQ(geo(j).country, std::nullopt);
  j["country"] = "";
  EXPECT_EQ(geo(j).country, std::nullopt);
  j["country"] = "Cote d'Ivoire";
  EXPECT_EQ(geo(j).country, "Cote d'Ivoire");
}

// ---- user ----

TEST_P(Cleaner, UserNameIsFirstSpaceLast) {
  auto u = user(valid_user());
  EXPECT_EQ(u.ind, 7528);
  EXPECT_EQ(u.user_name, "Abigail Ali");
  EXPECT_EQ(u.age, 20);
  EXPECT_EQ(u.date_joined, "2015-10-24 11:23:51");
}

TEST_P(Cleaner, UserDateJoinedIsParsedLikeATimestamp) {
  auto j = valid_user();
  j["date_joined"] = "2016-01-02T03:04:05";
  EXPECT_EQ(user(j).date_joined, "2016-01-02 03:04:05");
  j["date_joined"] = "2016-01-02";
  EXPECT_THAT(reason(kind::user, j), HasSubstr("field 'date_joined' is not a valid timestamp"));
}

TEST_P(Cleaner, UserRequiredFieldsAreEnforced) {
  for (const char* f : {"ind", "first_name", "last_name", "age", "date_joined"}) {
    auto j = valid_user();
    j.erase(f);
    EXPECT_EQ(reason(kind::user, j), std::string("user record: field '") + f + "' is missing");
    j[f] = nullptr;
    EXPECT_EQ(reason(kind::user, j), std::string("user record: field '") + f + "' is null");
  }
  auto j = valid_user();
  j["age"] = "20";
  EXPECT_EQ(reason(kind::user, j),
            "user record: field 'age' has the wrong type: expected an integer, found a string");
  j = valid_user();
  j["age"] = 20.5;
  EXPECT_THAT(reason(kind::user, j), HasSubstr("field 'age' has the wrong type"));
  j = valid_user();
  j["first_name"] = "";
  EXPECT_THAT(reason(kind::user, j), HasSubstr("field 'first_name' is empty"));
}

// ---- whole records ----

TEST_P(Cleaner, NonObjectsAreDeadLetters) {
  for (const char* raw : {"[1, 2]", "42", "\"text\"", "null", "true", "[]"})
    EXPECT_THAT(reason_text(kind::pin, raw), HasSubstr("pin record: not a JSON object (found "))
        << raw;
  EXPECT_EQ(reason_text(kind::geo, "[{\"ind\": 1}]"),
            "geo record: not a JSON object (found an array)");
}

TEST_P(Cleaner, BrokenJsonIsADeadLetter) {
  for (const char* raw :
       {"", "   ", "{", "{\"ind\": 1,}", "{\"ind\": 1} {\"ind\": 2}", "{'ind': 1}",
        "{\"ind\": 1, \"x\": [1, 2}", "{\"ind\": 01}", "{\"ind\": NaN}", "{\"ind\": 1} trailing",
        "{\"a\": \"\xff\xfe\"}", "{\"a\": \"\\ud800\"}"}) {
    auto r = run_text(kind::user, raw);
    ASSERT_FALSE(r.ok()) << raw;
    EXPECT_EQ(r.error().code(), errc::malformed_message) << raw;
    EXPECT_THAT(r.error().message(), HasSubstr("user record: not valid JSON")) << raw;
  }
}

TEST_P(Cleaner, UnicodeIsDecodedToUtf8) {
  auto r = run_text(kind::pin, std::string_view(R"J({"index": 1, "unique_id": "u",
    "title": "Caf\u00e9 \ud83d\ude00 \u4e2d\u6587", "description": "Vermögensaufbau ✈️ …"})J"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto& p = std::get<pin_row>(*r);
  EXPECT_EQ(p.title, "Caf\xC3\xA9 \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87");
  EXPECT_EQ(p.description, "Vermögensaufbau ✈️ …");
}

TEST_P(Cleaner, EscapesInStringsAreDecoded) {
  auto r = run_text(kind::user, std::string_view(R"J({"ind": 1, "first_name": "A\"b\\c\nd",
    "last_name": "O'Neil\t", "age": 30, "date_joined": "2015-10-24 11:23:51"})J"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(std::get<user_row>(*r).user_name, "A\"b\\c\nd O'Neil\t");
}

TEST_P(Cleaner, DuplicateKeysLastOneWins) {
  auto r = run_text(kind::user, std::string_view(R"J({"ind": 1, "ind": 2, "first_name": "A",
    "last_name": "B", "age": 3, "date_joined": "2015-10-24 11:23:51"})J"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(std::get<user_row>(*r).ind, 2);
}

TEST_P(Cleaner, ExtraFieldsAndNestedValuesAreIgnored) {
  auto j = valid_user();
  j["extra"] = {{"nested", {1, 2, {{"deep", nullptr}}}}};
  EXPECT_EQ(user(j), user(valid_user()));
}

TEST_P(Cleaner, WrongKindOfRecordIsADeadLetter) {
  // The shapes of the two stray records on the real user topic.
  EXPECT_EQ(reason(kind::user, normal_pin()), "user record: field 'ind' is missing");
  EXPECT_EQ(reason(kind::user, valid_geo()), "user record: field 'first_name' is missing");
  EXPECT_EQ(reason(kind::pin, valid_user()), "pin record: field 'index' is missing");
  EXPECT_EQ(reason(kind::geo, valid_user()), "geo record: field 'timestamp' is missing");
}

std::string backend_name(const ::testing::TestParamInfo<json_backend>& info) {
  return info.param == json_backend::simdjson ? "simdjson" : "nlohmann";
}

std::vector<json_backend> backends() {
  std::vector<json_backend> out{json_backend::nlohmann};
  if (detail::have_simdjson()) out.push_back(json_backend::simdjson);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, Cleaner, ::testing::ValuesIn(backends()), backend_name);

// ---- outside the backends ----

TEST(KindOf, TopicsAndStreamsMapToKinds) {
  EXPECT_EQ(kind_of("0a60b9a8a831.pin"), kind::pin);
  EXPECT_EQ(kind_of("0a60b9a8a831.geo"), kind::geo);
  EXPECT_EQ(kind_of("129a67850695.user"), kind::user);
  EXPECT_EQ(kind_of("streaming-0a60b9a8a831-pin"), kind::pin);
  EXPECT_EQ(kind_of("streaming-0a60b9a8a831-geo"), kind::geo);
  EXPECT_EQ(kind_of("streaming-0a60b9a8a831-user"), kind::user);
}

TEST(KindOf, OtherNamesHaveNoKind) {
  for (const char* n :
       {"", "pin", ".pin", "0a60b9a8a831.pins", "0a60b9a8a831.Pin", "0a60b9a8a831-pin",
        "streaming-pin", "streaming--pin", "streaming-x-pin2", "0a60b9a8a831.pin.x"})
    EXPECT_EQ(kind_of(n), std::nullopt) << n;
}

TEST(Clean, DefaultBackendIsSimdjsonWhenAvailable) {
  EXPECT_EQ(detail::default_backend(),
            detail::have_simdjson() ? json_backend::simdjson : json_backend::nlohmann);
  auto r = clean(kind::geo, valid_geo().dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<geo_row>(*r).country, "Albania");
}

} // namespace
} // namespace pinpipe::clean
