// Server-rendered charts as inline SVG, and HTML escaping: what the batch report
// (report_html.hpp) and the console's script-free fallback draw with. No script, no external
// reference (the <svg> elements carry no xmlns URL: HTML parsers place them in the SVG
// namespace by themselves), every label escaped.
//
// Threading: plain functions over values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pinpipe::batch {

struct query_output;

/// Text safe inside HTML/SVG text and double-quoted attributes: & < > " ' escaped.
std::string html_escape(std::string_view s);

/// One bar or point: a label and a value.
struct chart_point {
  std::string label;
  double value = 0;
};

/// Horizontal bars, one per point, in the given order, with the value written after each bar.
std::string svg_bar_chart(const std::string& title, const std::vector<chart_point>& points);
/// A line through the points (x in the given order, evenly spaced), each point labelled.
std::string svg_line_chart(const std::string& title, const std::vector<chart_point>& points);

/// How a query's result is best drawn: "line" for values over years (users joined per year,
/// median followers per join year), "bar" otherwise.
std::string chart_kind(const std::string& query_name);

/// The points of a query output: label = every column but the last joined by " / ", value =
/// the last column (rows with a null or non-numeric value are skipped). For "bar" queries the
/// points are sorted by value, largest first, and cut to `top` (0 = all); "line" queries keep
/// the row order (years ascending).
std::vector<chart_point> chart_points(const query_output& out, size_t top);

/// The chart of a query output (kind chosen by chart_kind), top 20 bars.
std::string svg_query_chart(const query_output& out, size_t top = 20);

} // namespace pinpipe::batch
