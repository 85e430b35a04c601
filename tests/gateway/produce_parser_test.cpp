// The fast produce-body parser must store exactly what the general path (nlohmann parse +
// dump) stores, or decline.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <random>

#include "gateway/produce_parser.hpp"

namespace pinpipe::gateway {
namespace {

using ojson = nlohmann::ordered_json;

std::string nlohmann_dump(const std::string& text) {
  return ojson::parse(text).dump();
}

TEST(ProduceParser, MinifiedTextEqualsNlohmannDump) {
  const std::vector<std::string> cases = {
      R"({"index":7528, "title" : "No Title", "n":[1, -2, 0, true,false,null], "o":{}})",
      R"(  [ ]  )",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
      R"("tab\t quote\" back\\ nl\n")",
      R"({"a":{"b":{"c":[{"d":"e"}]}}})",
      "123456789012345678",
      "\"\x7f\"",
  };
  for (const auto& c : cases) {
    auto m = minify_json_exact(c);
    ASSERT_TRUE(m) << c;
    EXPECT_EQ(*m, nlohmann_dump(c)) << c;
  }
}

TEST(ProduceParser, DeclinesWhatNlohmannWouldRewriteOrReject) {
  for (const char* c :
       {"1.5", "1e3", "-0", "1234567890123456789", R"("a\/b")", R"("\u00e9")", R"({"a":1,"a":2})",
        "\"\xc3\"", "\"\xed\xa0\x80\"", "01", "[1,]", "{\"a\" 1}", "tru", "\"ctl\x01\""}) {
    EXPECT_FALSE(minify_json_exact(c)) << c;
  }
}

TEST(ProduceParser, RandomDocumentsRoundTripLikeNlohmann) {
  std::mt19937 rng(20240611);
  std::function<ojson(int)> gen = [&](int depth) -> ojson {
    switch (depth > 3 ? rng() % 4 : rng() % 6) {
    case 0:
      return ojson(static_cast<int64_t>(rng() % 2000000) - 1000000);
    case 1: {
      std::string s;
      for (unsigned i = rng() % 12; i > 0; --i)
        s += "ab \"\\\n\t\xc3\xa9z"[rng() % 10];
      return ojson(s);
    }
    case 2:
      return ojson(rng() % 2 == 0);
    case 3:
      return ojson(nullptr);
    case 4: {
      ojson a = ojson::array();
      for (unsigned i = rng() % 4; i > 0; --i)
        a.push_back(gen(depth + 1));
      return a;
    }
    default: {
      ojson o = ojson::object();
      for (unsigned i = rng() % 4; i > 0; --i)
        o["k" + std::to_string(rng() % 100)] = gen(depth + 1);
      return o;
    }
    }
  };
  int checked = 0, attempted = 0;
  for (int i = 0; i < 500; ++i) {
    ojson doc = gen(0);
    std::string pretty;
    try {
      pretty = doc.dump(static_cast<int>(rng() % 3));
    } catch (const nlohmann::json::exception&) {
      continue;
    }
    ++attempted; // valid UTF-8 only (dump threw otherwise)
    auto m = minify_json_exact(pretty);
    EXPECT_TRUE(m) << pretty;
    if (!m) continue;
    ++checked;
    EXPECT_EQ(*m, nlohmann_dump(pretty)) << pretty;
  }
  // Integers, plain escapes and UTF-8 only: the fast path must accept every one.
  EXPECT_EQ(checked, attempted);
  EXPECT_GT(attempted, 200);
}

TEST(ProduceParser, ReadsRecordsAndDeclinesOtherShapes) {
  auto r = parse_produce_fast(
      R"({"records":[{"value":{"a": 1},"key":"k"},{"partition":2,"value":null},{}]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].value, R"({"a":1})");
  EXPECT_EQ((*r)[0].key, "\"k\"");
  EXPECT_EQ((*r)[0].key_kind, fast_produce_record::kind::string);
  EXPECT_TRUE((*r)[1].has_partition);
  EXPECT_EQ((*r)[1].partition, 2);
  EXPECT_EQ((*r)[1].value_kind, fast_produce_record::kind::null);
  EXPECT_EQ((*r)[2].value_kind, fast_produce_record::kind::absent);
  for (const char* body :
       {R"({"records":[],"value_schema":"x"})", R"({"records":[{"value":1,"extra":2}]})",
        R"({"records":[{"partition":-1}]})", R"({"records":[{"partition":1.0}]})",
        R"({"records":{}})", R"([])", R"({"records":[1]})"}) {
    EXPECT_FALSE(parse_produce_fast(body)) << body;
  }
}

} // namespace
} // namespace pinpipe::gateway
