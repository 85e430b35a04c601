// report.html of a batch run: a real run_batch over a small lake written here, with a real
// warehouse file. The report must be well-formed (every element closed, in order), hold one
// SVG chart per query, reference nothing outside the file, and show data as text: a poster
// name holding <script> is escaped, never markup.
#include "pipeline/batch/report_html.hpp"

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "pipeline/batch/svg_chart.hpp"
#include "pipeline/warehouse/warehouse.hpp"

namespace pinpipe::batch {
namespace {

const std::string uid = "0a60b9a8a831";
const std::string evil = "<script>alert(\"x\")</script>&'";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
    ++n;
  return n;
}

/// Checks that every '<' starts a tag, comment or doctype, and that every non-void element
/// is closed in order. Returns "" or what is wrong.
std::string tag_balance(const std::string& h) {
  static const std::set<std::string> void_tags{"meta", "br", "img", "input", "hr", "link"};
  std::vector<std::string> stack;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i] != '<') continue;
    if (h.compare(i, 2, "<!") == 0) {
      i = h.find('>', i);
      if (i == std::string::npos) return "unterminated <!";
      continue;
    }
    const bool closing = i + 1 < h.size() && h[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    size_t k = j;
    while (k < h.size() && (std::isalnum(static_cast<unsigned char>(h[k])) || h[k] == '-'))
      ++k;
    if (k == j) return "a '<' that starts no tag at " + std::to_string(i);
    std::string name = h.substr(j, k - j);
    size_t end = h.find('>', k);
    if (end == std::string::npos) return "unterminated tag " + name;
    const bool self_closing = h[end - 1] == '/';
    if (closing) {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes " + (stack.empty() ? "nothing" : "<" + stack.back() + ">");
      stack.pop_back();
    } else if (!self_closing && !void_tags.count(name)) {
      stack.push_back(name);
    }
    i = end;
  }
  return stack.empty() ? "" : "<" + stack.back() + "> never closed";
}

class report_html : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pinpipe_report_html_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto w = warehouse::warehouse::open(dir_ + "/warehouse.db", uid);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    wh_ = std::move(w.value());
  }
  void TearDown() override {
    wh_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void object(const std::string& kind, const std::vector<std::string>& lines) {
    const std::string topic = uid + "." + kind;
    auto d = std::filesystem::path(dir_) / "lake" / "topics" / topic / "partition=0";
    std::filesystem::create_directories(d);
    std::ofstream out(d / (topic + "+0+0000000000.json"), std::ios::binary);
    for (const auto& l : lines)
      out << l << '\n';
  }
  // Two countries, three users; poster 1 (the most followed in Albania) has a name of hostile
  // markup; one bad pin line.
  void write_lake() {
    std::vector<std::string> pins, geos, users;
    for (int i = 1; i <= 3; ++i) {
      std::string name = i == 1 ? "<script>alert(\\\"x\\\")</script>&'" : "P" + std::to_string(i);
      pins.push_back(R"({"index": )" + std::to_string(i) + R"(, "unique_id": "u)" +
                     std::to_string(i) + R"(", "title": "T", "description": "D", "poster_name": ")" +
                     name + R"(", "follower_count": ")" + std::to_string(4 - i) +
                     R"(k", "tag_list": "a", "is_image_or_video": "image", "image_src": "x",)"
                     R"( "downloaded": 1, "save_location": "Local save in /data/art",)"
                     R"( "category": "art"})");
      geos.push_back(R"({"ind": )" + std::to_string(i) +
                     R"(, "timestamp": "2019-05-05 10:00:00", "latitude": 1.5,)"
                     R"( "longitude": 2.5, "country": ")" +
                     (i == 3 ? "Chile" : "Albania") + R"("})");
      users.push_back(R"({"ind": )" + std::to_string(i) + R"(, "first_name": "F", "last_name": "L",)"
                      R"( "age": )" + std::to_string(20 + 10 * i) +
                      R"(, "date_joined": "201)" + std::to_string(5 + i) + R"(-02-02 02:02:02"})");
    }
    pins.push_back(R"({"index": 9, "title": "no unique_id"})");
    object("pin", pins);
    object("geo", geos);
    object("user", users);
  }
  std::string dir_;
  std::unique_ptr<warehouse::warehouse> wh_;
};

TEST_F(report_html, EveryRunWritesAWellFormedSelfContainedReport) {
  write_lake();
  batch_options o;
  o.lake_dir = dir_ + "/lake";
  o.uid = uid;
  o.results_dir = dir_ + "/results";
  o.run_id = "manual__2026-01-01T00:00:00";
  o.clean_threads = 1;
  auto rep = run_batch(*wh_, o);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(rep->report_path, o.results_dir + "/" + o.run_id + "/report.html");
  const std::string h = slurp(rep->report_path);
  ASSERT_FALSE(h.empty());

  EXPECT_EQ(tag_balance(h), "");
  EXPECT_EQ(count(h, "<svg"), query_names().size());
  for (const auto& q : query_names())
    EXPECT_NE(h.find("id=\"" + q + "\""), std::string::npos) << q;
  // Nothing outside the file: no URL, no protocol-relative reference, no script at all.
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_EQ(h.find("//"), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("src="), std::string::npos);
  // The hostile poster name is in the most-followed table, as text.
  EXPECT_NE(h.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"),
            std::string::npos);
  // Facts and dead letters: the bad pin line is counted with its reason.
  EXPECT_NE(h.find(o.run_id), std::string::npos);
  EXPECT_NE(h.find("<th>records read</th><td>10</td>"), std::string::npos);
  EXPECT_NE(h.find("id=\"dead-letters\""), std::string::npos);
  EXPECT_NE(h.find("<td>batch</td>"), std::string::npos);
}

TEST_F(report_html, RenderedValuesAreEscapedAndChartsFollowTheQueryKind) {
  query_output bars{"most_followed_country", {"country", "follower_count"}, {}};
  for (int i = 0; i < 30; ++i)
    bars.rows.push_back({i == 0 ? evil : "C" + std::to_string(i), std::to_string(i * 10)});
  query_output line{"users_joined_by_year", {"post_year", "number_users_joined"},
                    {{"2015", "3"}, {"2016", "7"}, {"2017", std::nullopt}}};
  std::vector<dead_letter_count> dead{{"stream", evil, 2}};
  batch_report rep;
  rep.run_id = evil;
  const std::string h = render_report_html(rep, {bars, line}, dead);
  EXPECT_EQ(tag_balance(h), "");
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(count(h, "<svg"), 2u);
  EXPECT_NE(h.find("<polyline"), std::string::npos); // the years as a line
  // Bars: the 20 largest, largest first; the table keeps all 30 rows.
  auto pts = chart_points(bars, 20);
  ASSERT_EQ(pts.size(), 20u);
  EXPECT_EQ(pts.front().label, "C29");
  EXPECT_EQ(pts.front().value, 290);
  EXPECT_NE(h.find("<td>C1</td>"), std::string::npos); // the smallest: in the table only
  EXPECT_EQ(h.find(">C1</text>"), std::string::npos);
  EXPECT_NE(h.find(">C29</text>"), std::string::npos);
  // A null value is shown in the table but left out of the chart.
  EXPECT_EQ(chart_points(line, 0).size(), 2u);
  EXPECT_EQ(html_escape(evil), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
}

} // namespace
} // namespace pinpipe::batch
