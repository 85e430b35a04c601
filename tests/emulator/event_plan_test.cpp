// The event plan: counts, key ranges, timing modes and option checks.
#include "pipeline/emulator/event_plan.hpp"

#include <set>

#include <gtest/gtest.h>

using namespace pinpipe;
using namespace pinpipe::emulator;

TEST(EventPlan, StopsAfterTheRequestedNumberOfEvents) {
  plan_options o;
  o.events = 25;
  o.seed = 1;
  auto p = event_plan::create(o);
  ASSERT_TRUE(p.ok());
  int n = 0;
  while (auto ev = p->next()) {
    EXPECT_EQ(ev->index, n);
    ++n;
  }
  EXPECT_EQ(n, 25);
  EXPECT_FALSE(p->next().has_value());
  o.events = 0;
  EXPECT_FALSE(event_plan::create(o)->next().has_value());
}

TEST(EventPlan, ForeverKeepsGoing) {
  plan_options o;
  o.seed = 3;
  auto p = event_plan::create(o);
  for (int i = 0; i < 20000; ++i)
    ASSERT_TRUE(p->next().has_value());
}

TEST(EventPlan, KeysStayInTheInclusiveRangeAndCoverIt) {
  plan_options o;
  o.events = 2000;
  o.seed = 9;
  o.key_min = 5;
  o.key_max = 9;
  auto p = event_plan::create(o);
  std::set<int64_t> seen;
  while (auto ev = p->next()) {
    ASSERT_GE(ev->key, 5);
    ASSERT_LE(ev->key, 9);
    seen.insert(ev->key);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{5, 6, 7, 8, 9}));
}

TEST(EventPlan, DefaultSeed100IsTheCourseSequenceWithCourseSleeps) {
  plan_options o;
  o.seed = 100;
  auto p = event_plan::create(o);
  auto a = *p->next(), b = *p->next();
  EXPECT_EQ(a.key, 7528);
  EXPECT_EQ(a.sleep_seconds, 0);
  EXPECT_DOUBLE_EQ(a.delay_seconds, 0);
  EXPECT_EQ(b.key, 2863);
  EXPECT_DOUBLE_EQ(b.delay_seconds, 1);
}

TEST(EventPlan, RateModeChangesOnlyTheDelayNotTheKeys) {
  plan_options course, fast, paced;
  course.seed = fast.seed = paced.seed = 100;
  fast.course_timing = paced.course_timing = false;
  paced.rate = 4;
  auto c = event_plan::create(course), f = event_plan::create(fast), r = event_plan::create(paced);
  for (int i = 0; i < 50; ++i) {
    auto ce = *c->next(), fe = *f->next(), re = *r->next();
    EXPECT_EQ(ce.key, fe.key);
    EXPECT_EQ(ce.key, re.key);
    EXPECT_DOUBLE_EQ(fe.delay_seconds, 0);
    EXPECT_DOUBLE_EQ(re.delay_seconds, 0.25);
  }
}

TEST(EventPlan, UnseededPlansDrawTheirOwnSeed) {
  plan_options o;
  auto a = event_plan::create(o), b = event_plan::create(o);
  EXPECT_NE(a->seed(), b->seed());
  plan_options again;
  again.seed = a->seed();
  auto c = event_plan::create(again);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(a->next()->key, c->next()->key);
}

TEST(EventPlan, BadOptionsAreErrorsThatNameTheProblem) {
  plan_options o;
  o.key_min = 10;
  o.key_max = 9;
  auto p = event_plan::create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("key range"), std::string::npos);
  plan_options r;
  r.rate = -1;
  EXPECT_EQ(event_plan::create(r).error().code(), errc::invalid_argument);
  plan_options e;
  e.events = -2;
  EXPECT_FALSE(event_plan::create(e).ok());
}
