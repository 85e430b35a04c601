// Rule: a consumer's topic_pattern can neither crash the gateway (100,000 nested '(' blew
// std::regex's stack) nor burn exponential CPU ((a|aa)*c took 20 s on a 41-character name).
// The matcher (gateway/topic_pattern.hpp) is a Thompson NFA: unit tests of its syntax, then
// the subscription route over real HTTP.
#include "tests/gateway/gateway_fixture.hpp"

#include <chrono>

#include "gateway/topic_pattern.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

namespace {

bool matches(const std::string& pattern, const std::string& name) {
  auto p = topic_pattern::compile(pattern);
  EXPECT_TRUE(p.ok()) << pattern << ": " << p.error().message();
  return p.ok() && p->match(name);
}

std::string refusal(const std::string& pattern) {
  auto p = topic_pattern::compile(pattern);
  return p.ok() ? "" : p.error().message();
}

} // namespace

TEST(TopicPattern, NormalPatternsMatchTheWholeName) {
  EXPECT_TRUE(matches("0a60b9a8a831.pin", "0a60b9a8a831.pin"));
  EXPECT_TRUE(matches("0a60b9a8a831\\..*", "0a60b9a8a831.geo"));
  EXPECT_FALSE(matches("0a60b9a8a831\\..*", "0a60b9a8a831Xgeo"));
  EXPECT_TRUE(matches("orders.*", "orders-eu"));
  EXPECT_FALSE(matches("orders", "orders-eu")); // whole name, as Kafka's matches()
  EXPECT_TRUE(matches("^(pin|geo|user)$", "geo"));
  EXPECT_FALSE(matches("(pin|geo|user)", "pins"));
  EXPECT_TRUE(matches("t[0-9]+", "t42"));
  EXPECT_FALSE(matches("t[0-9]+", "t"));
  EXPECT_TRUE(matches("t[^a-z]?x", "t9x"));
  EXPECT_TRUE(matches("t[^a-z]?x", "tx"));
  EXPECT_FALSE(matches("t[^a-z]?x", "tax"));
  EXPECT_TRUE(matches("\\w+\\.\\d", "abc_1.7"));
  EXPECT_TRUE(matches("(?:a|b)*c", "ababbc"));
  EXPECT_TRUE(matches("(a*)*b", "aaab"));
  EXPECT_TRUE(matches("", ""));
}

TEST(TopicPattern, UnsupportedOrOversizedPatternsAreRefusedWithTheReason) {
  EXPECT_NE(refusal(std::string(100000, '(')).find("over the limit of 512"), std::string::npos);
  EXPECT_NE(refusal(std::string(40, '(') + "a" + std::string(40, ')')).find("deeper than 32"),
            std::string::npos);
  EXPECT_NE(refusal("a{2,3}").find("{m,n}"), std::string::npos);
  EXPECT_NE(refusal("a*?").find("second quantifier"), std::string::npos);
  EXPECT_NE(refusal("(a").find("unclosed '('"), std::string::npos);
  EXPECT_NE(refusal("a)").find("unmatched ')'"), std::string::npos);
  EXPECT_NE(refusal("[a-").find("unclosed '['"), std::string::npos);
  EXPECT_NE(refusal("*a").find("nothing to repeat"), std::string::npos);
  EXPECT_NE(refusal("(?=a)").find("(?:...)"), std::string::npos);
  EXPECT_NE(refusal("\\1").find("escape"), std::string::npos);
  EXPECT_NE(refusal("a^b").find("anchors"), std::string::npos);
}

TEST(TopicPattern, PathologicalPatternRunsInLinearTime) {
  auto p = topic_pattern::compile("(a|aa)*c");
  ASSERT_TRUE(p.ok());
  const std::string name(4000, 'a');
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(p->match(name));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  EXPECT_TRUE(p->match(std::string(41, 'a') + "c"));
}

using TopicPatternRoute = gateway_fixture;

TEST_F(TopicPatternRoute, SubscriptionRefusesDeepParenthesesAndSurvivesBacktrackingBait) {
  const char* v2 = "application/vnd.kafka.v2+json";
  const std::string long_name(45, 'a');
  ASSERT_TRUE(log_->create_topic(long_name, storage::topic_config{}).ok());
  ASSERT_TRUE(log_->create_topic("pin.a", storage::topic_config{}).ok());
  ASSERT_TRUE(log_->create_topic("pin.b", storage::topic_config{}).ok());
  auto c = post("/consumers/g", R"({"name":"c1"})", v2);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->status, 200) << c->body;
  const std::string sub = "/consumers/g/instances/c1/subscription";

  auto deep = post(sub, json{{"topic_pattern", std::string(100000, '(')}}.dump(), v2);
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->status, 400);
  EXPECT_NE(deep->body.find("topic_pattern"), std::string::npos) << deep->body;
  EXPECT_NE(deep->body.find("limit"), std::string::npos) << deep->body;

  auto t0 = std::chrono::steady_clock::now();
  auto bait = post(sub, R"({"topic_pattern":"(a|aa)*c"})", v2);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(bait);
  EXPECT_EQ(bait->status, 204) << bait->body;
  EXPECT_LT(took, std::chrono::milliseconds(1000));

  auto ok = post(sub, R"({"topic_pattern":"pin\\..*"})", v2);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 204) << ok->body;
  auto got = cli_->Get(sub.c_str());
  ASSERT_TRUE(got);
  EXPECT_EQ(body_of(got)["topics"], json::array({"pin.a", "pin.b"}));
}
