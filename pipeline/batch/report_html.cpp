// report.html of a batch run (see report_html.hpp).
#include "pipeline/batch/report_html.hpp"

#include <cstdio>
#include <filesystem>

#include "common/file_write.hpp"
#include "pipeline/batch/svg_chart.hpp"
#include "pipeline/warehouse/sql.hpp"

namespace pinpipe::batch {
namespace {

constexpr const char* style = R"(body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}th{background:#eef}
td.n{text-align:right}.chart{max-width:100%;height:auto}.note{color:#666;font-size:13px}
nav a{margin-right:12px})";

std::string fixed2(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

void fact(std::string& h, const std::string& name, const std::string& value) {
  h += "<tr><th>" + html_escape(name) + "</th><td>" + html_escape(value) + "</td></tr>";
}

void query_table(std::string& h, const query_output& out) {
  h += "<table class=\"rows\"><thead><tr>";
  for (const auto& c : out.columns)
    h += "<th>" + html_escape(c) + "</th>";
  h += "</tr></thead><tbody>";
  for (const auto& row : out.rows) {
    h += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const bool integer = i < out.columns.size() &&
                           std::string(column_type(out.columns[i])) == "INTEGER";
      h += integer ? "<td class=\"n\">" : "<td>";
      h += row[i] ? html_escape(*row[i]) : std::string("<i>null</i>");
      h += "</td>";
    }
    h += "</tr>";
  }
  h += "</tbody></table>";
}

} // namespace

result<std::vector<dead_letter_count>> count_dead_letters(sqlite3* db, size_t limit) {
  std::vector<dead_letter_count> out;
  warehouse::sql::stmt st;
  if (auto s = st.prepare(db, "SELECT path, COALESCE(reason, ''), COUNT(*) FROM dead_letters "
                              "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2");
      !s)
    return status{errc::internal, "counting dead letters: " + s.message()};
  for (;;) {
    auto more = st.next("counting dead letters");
    if (!more) return status{errc::internal, more.error().message()};
    if (!*more) break;
    dead_letter_count d{st.text(0), st.text(1), st.integer(2)};
    if (out.size() < limit) {
      out.push_back(std::move(d));
    } else {
      if (out.size() == limit) out.push_back({"", "(other reasons)", 0});
      out.back().count += d.count;
    }
  }
  return out;
}

std::string render_report_html(const batch_report& rep, const std::vector<query_output>& outs,
                               const std::vector<dead_letter_count>& dead) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                  "pinpipe batch run " +
                  html_escape(rep.run_id) + "</title><style>" + style + "</style></head><body>";
  h += "<h1>Batch run " + html_escape(rep.run_id) + "</h1><nav>";
  for (const auto& o : outs)
    h += "<a href=\"#" + html_escape(o.name) + "\">" + html_escape(o.name) + "</a> ";
  h += "<a href=\"#dead-letters\">dead letters</a></nav><h2 id=\"facts\">Facts</h2><table>";
  fact(h, "run id", rep.run_id);
  fact(h, "results directory", rep.output_dir);
  fact(h, "lake objects read", std::to_string(rep.objects_read));
  fact(h, "records read", std::to_string(rep.records_read));
  fact(h, "records cleaned", std::to_string(rep.records_cleaned));
  fact(h, "rows pin / geo / user", std::to_string(rep.pin_rows) + " / " +
                                       std::to_string(rep.geo_rows) + " / " +
                                       std::to_string(rep.user_rows));
  fact(h, "duplicates dropped", std::to_string(rep.duplicates_dropped));
  fact(h, "dead letters (this run)", std::to_string(rep.dead_letters));
  fact(h, "of which lake problems", std::to_string(rep.lake_problems));
  for (const auto& s : rep.stages)
    fact(h, "stage: " + s.stage, fixed2(s.seconds) + " s");
  fact(h, "total", fixed2(rep.total_seconds) + " s (" + fixed2(rep.records_per_second()) +
                       " records/s)");
  h += "</table>";
  for (const auto& o : outs) {
    h += "<h2 id=\"" + html_escape(o.name) + "\">" + html_escape(o.name) + "</h2>";
    const size_t n = o.rows.size();
    h += "<p class=\"note\">" + std::to_string(n) + (n == 1 ? " row" : " rows");
    if (chart_kind(o.name) == "bar" && n > 20) h += "; the chart shows the 20 largest values";
    h += "; file " + html_escape(o.name) + ".csv</p>";
    h += svg_query_chart(o, 20);
    query_table(h, o);
  }
  h += "<h2 id=\"dead-letters\">Dead letters</h2>";
  if (dead.empty()) {
    h += "<p>none in the warehouse</p>";
  } else {
    int64_t total = 0;
    for (const auto& d : dead)
      total += d.count;
    h += "<p class=\"note\">" + std::to_string(total) +
         " in the warehouse's dead_letters table (both paths, all runs so far)</p><table>"
         "<thead><tr><th>path</th><th>reason</th><th>count</th></tr></thead><tbody>";
    for (const auto& d : dead)
      h += "<tr><td>" + html_escape(d.path) + "</td><td>" + html_escape(d.reason) +
           "</td><td class=\"n\">" + std::to_string(d.count) + "</td></tr>";
    h += "</tbody></table>";
  }
  return h + "</body></html>\n";
}

result<std::string> write_report_html(sqlite3* db, const batch_report& rep,
                                      const std::vector<query_output>& outs) {
  auto dead = count_dead_letters(db);
  if (!dead) return dead.error();
  const std::string path = (std::filesystem::path(rep.output_dir) / "report.html").string();
  if (auto st = files::write_file_atomic(path, render_report_html(rep, outs, *dead)); !st)
    return st;
  return path;
}

} // namespace pinpipe::batch
