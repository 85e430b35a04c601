// Inline SVG charts (see svg_chart.hpp). Geometry in user units; the <svg> scales with its
// container through viewBox.
#include "pipeline/batch/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pipeline/batch/queries.hpp"

namespace pinpipe::batch {
namespace {

std::string num(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// At most `n` characters (UTF-8 aware: never cuts inside a sequence), "…" when cut.
std::string shorten(const std::string& s, size_t n) {
  size_t chars = 0, i = 0;
  while (i < s.size()) {
    if (chars == n) return s.substr(0, i) + "\xE2\x80\xA6";
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    i += len;
    ++chars;
  }
  return s;
}

std::string svg_open(int w, int h, const std::string& title) {
  return "<svg class=\"chart\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
         "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
         "\" role=\"img\" aria-label=\"" + html_escape(title) + "\"><title>" + html_escape(title) +
         "</title>";
}

} // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string svg_bar_chart(const std::string& title, const std::vector<chart_point>& points) {
  const int label_w = 300, bar_w = 360, row_h = 20, top = 8, width = label_w + bar_w + 80;
  const int height = top * 2 + row_h * static_cast<int>(std::max<size_t>(points.size(), 1));
  double max = 0;
  for (const auto& p : points)
    max = std::max(max, p.value);
  std::string s = svg_open(width, height, title);
  if (points.empty())
    s += "<text x=\"8\" y=\"24\" font-size=\"13\">no rows</text>";
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const int y = top + static_cast<int>(i) * row_h;
    const double w = max > 0 ? std::max(0.0, p.value) / max * bar_w : 0;
    s += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 14) +
         "\" font-size=\"12\" text-anchor=\"end\">" + html_escape(shorten(p.label, 44)) +
         "</text><rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) +
         "\" width=\"" + num(std::round(w * 10) / 10) + "\" height=\"" + std::to_string(row_h - 6) +
         "\" fill=\"#4a7bd0\"></rect><text x=\"" + num(label_w + w + 4) + "\" y=\"" +
         std::to_string(y + 14) + "\" font-size=\"12\">" + num(p.value) + "</text>";
  }
  return s + "</svg>";
}

std::string svg_line_chart(const std::string& title, const std::vector<chart_point>& points) {
  const int width = 740, height = 260, left = 60, right = 20, top = 20, bottom = 40;
  double max = 0;
  for (const auto& p : points)
    max = std::max(max, p.value);
  if (max <= 0) max = 1;
  std::string s = svg_open(width, height, title);
  const int plot_w = width - left - right, plot_h = height - top - bottom;
  s += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(top + plot_h) +
       "\" x2=\"" + std::to_string(width - right) + "\" y2=\"" + std::to_string(top + plot_h) +
       "\" stroke=\"#888\"></line><text x=\"4\" y=\"" + std::to_string(top + 4) +
       "\" font-size=\"11\">" + num(max) + "</text>";
  if (points.empty()) s += "<text x=\"80\" y=\"120\" font-size=\"13\">no rows</text>";
  std::string poly;
  for (size_t i = 0; i < points.size(); ++i) {
    const double x = left + (points.size() == 1 ? plot_w / 2.0
                                                : plot_w * static_cast<double>(i) /
                                                      static_cast<double>(points.size() - 1));
    const double y = top + plot_h - std::max(0.0, points[i].value) / max * plot_h;
    poly += (i ? " " : "") + num(std::round(x)) + "," + num(std::round(y));
    s += "<circle cx=\"" + num(std::round(x)) + "\" cy=\"" + num(std::round(y)) +
         "\" r=\"3\" fill=\"#4a7bd0\"></circle><text x=\"" + num(std::round(x)) + "\" y=\"" +
         num(std::round(y) - 6) + "\" font-size=\"11\" text-anchor=\"middle\">" +
         num(points[i].value) + "</text><text x=\"" + num(std::round(x)) + "\" y=\"" +
         std::to_string(height - 20) + "\" font-size=\"11\" text-anchor=\"middle\">" +
         html_escape(shorten(points[i].label, 16)) + "</text>";
  }
  if (points.size() > 1)
    s += "<polyline fill=\"none\" stroke=\"#4a7bd0\" stroke-width=\"2\" points=\"" + poly +
         "\"></polyline>";
  return s + "</svg>";
}

std::string chart_kind(const std::string& query_name) {
  return query_name == "users_joined_by_year" || query_name == "median_followers_by_join_year"
             ? "line"
             : "bar";
}

std::vector<chart_point> chart_points(const query_output& out, size_t top) {
  std::vector<chart_point> pts;
  if (out.columns.empty()) return pts;
  const size_t last = out.columns.size() - 1;
  for (const auto& row : out.rows) {
    if (row.size() != out.columns.size() || !row[last]) continue;
    char* end = nullptr;
    double v = std::strtod(row[last]->c_str(), &end);
    if (row[last]->empty() || end != row[last]->c_str() + row[last]->size()) continue;
    chart_point p;
    for (size_t i = 0; i < last; ++i)
      p.label += (i ? " / " : "") + row[i].value_or("(null)");
    p.value = v;
    pts.push_back(std::move(p));
  }
  if (chart_kind(out.name) == "bar") {
    std::stable_sort(pts.begin(), pts.end(),
                     [](const chart_point& a, const chart_point& b) { return a.value > b.value; });
    if (top > 0 && pts.size() > top) pts.resize(top);
  }
  return pts;
}

std::string svg_query_chart(const query_output& out, size_t top) {
  auto pts = chart_points(out, top);
  const std::string title = out.name + (out.columns.empty() ? "" : ": " + out.columns.back());
  return chart_kind(out.name) == "line" ? svg_line_chart(title, pts) : svg_bar_chart(title, pts);
}

} // namespace pinpipe::batch
