// DAG runs (batch_runs of "<uid>_dag"), a run's log, "Run now", and a run's results: the
// 9 query CSVs as JSON, each CSV as a download, a server-rendered SVG chart, report.html.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "console/console_impl.hpp"
#include "pipeline/batch/queries.hpp"
#include "pipeline/batch/scheduler.hpp"
#include "pipeline/batch/svg_chart.hpp"

namespace fs = std::filesystem;

namespace pinpipe::console {
namespace {

std::string slurp(const fs::path& p, bool* ok = nullptr) {
  std::ifstream in(p, std::ios::binary);
  if (ok) *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A run id as the scheduler makes them: letters, digits and _ - : . + T; no "..".
bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 200 || id.find("..") != std::string::npos) return false;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == ':' ||
          ch == '.' || ch == '+'))
      return false;
  return true;
}

/// RFC 4180 as write_outputs writes it: a quoted field is text (maybe empty), an empty
/// unquoted field is null.
std::vector<std::vector<std::optional<std::string>>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::vector<std::optional<std::string>> row;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  auto end_field = [&] {
    row.push_back(quoted || !field.empty() ? std::optional<std::string>(field) : std::nullopt);
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    any = true;
    if (in_quotes) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        in_quotes = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      in_quotes = quoted = true;
    } else if (ch == ',') {
      end_field();
    } else if (ch == '\n') {
      end_field();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else if (ch != '\r') {
      field += ch;
    }
  }
  if (any) {
    end_field();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<batch::query_output> read_output(const fs::path& dir, const std::string& name) {
  bool ok = false;
  std::string text = slurp(dir / (name + ".csv"), &ok);
  if (!ok) return std::nullopt;
  auto rows = parse_csv(text);
  batch::query_output out;
  out.name = name;
  if (!rows.empty()) {
    for (auto& c : rows.front())
      out.columns.push_back(c.value_or(""));
    rows.erase(rows.begin());
  }
  out.rows = std::move(rows);
  return out;
}

struct run_view {
  json summary;
  json attempts = json::array();
};

/// Every run of the DAG, newest first, with its attempts (empty when there is no warehouse).
bool load_runs(context& c, std::vector<run_view>& runs, std::string& error) {
  ro_db db(c.src.warehouse_path);
  if (!db || !table_exists(db.db, "batch_runs")) return true;
  std::vector<std::vector<json>> rows;
  if (!query_rows(db.db,
                  "SELECT run_id, scheduled_time, start_time, end_time, state, attempt, error "
                  "FROM batch_runs WHERE dag_id = ? ORDER BY scheduled_time DESC, run_id DESC, "
                  "attempt",
                  {c.src.uid + "_dag"}, rows, error))
    return false;
  for (auto& r : rows) {
    const std::string id = r[0].get<std::string>();
    if (runs.empty() || runs.back().summary["run_id"] != id) {
      run_view v;
      v.summary = {{"run_id", id},
                   {"trigger", id.rfind("manual__", 0) == 0 ? "manual" : "scheduled"},
                   {"scheduled_time", r[1]},
                   {"start_time", r[2]}};
      runs.push_back(std::move(v));
    }
    auto& v = runs.back();
    v.attempts.push_back({{"attempt", r[5]},
                          {"state", r[4]},
                          {"start_time", r[2]},
                          {"end_time", r[3]},
                          {"error", r[6]}});
    v.summary["state"] = r[4];
    v.summary["try_number"] = r[5];
    v.summary["end_time"] = r[3];
    v.summary["error"] = r[6];
  }
  for (auto& v : runs) {
    json duration = nullptr;
    const json& st = v.summary["start_time"];
    const json& en = v.summary["end_time"];
    if (st.is_string() && en.is_string() && !st.get<std::string>().empty() &&
        !en.get<std::string>().empty()) {
      auto s = batch::parse_utc(st.get<std::string>());
      auto e = batch::parse_utc(en.get<std::string>());
      if (s && e) duration = *e - *s;
    }
    v.summary["duration_s"] = duration;
    std::error_code ec;
    const fs::path dir = fs::path(c.src.results_dir) / v.summary["run_id"].get<std::string>();
    v.summary["has_results"] = fs::is_directory(dir, ec);
    v.summary["has_report"] = fs::exists(dir / "report.html", ec);
  }
  return true;
}

reply run_detail(context& c, const std::string& id, bool with_log) {
  std::vector<run_view> runs;
  std::string err;
  if (!load_runs(c, runs, err)) return error_reply(500, "reading batch_runs: " + err);
  for (auto& v : runs) {
    if (v.summary["run_id"] != id) continue;
    json out = v.summary;
    out["attempts"] = v.attempts;
    if (with_log) {
      json lines = json::array();
      if (!c.src.log_file.empty()) {
        std::ifstream in(c.src.log_file, std::ios::binary);
        std::string line;
        std::deque<std::string> keep;
        while (std::getline(in, line))
          if (line.find(id) != std::string::npos) {
            keep.push_back(line);
            if (keep.size() > 500) keep.pop_front();
          }
        for (auto& l : keep)
          lines.push_back(l);
      }
      out["log"] = lines;
      out["log_file"] = c.src.log_file;
    }
    return json_reply(out);
  }
  return error_reply(404, "no run '" + id + "' of " + c.src.uid +
                              "_dag (GET /api/v1/runs lists them)");
}

bool run_known(context& c, const std::string& id) {
  std::vector<run_view> runs;
  std::string err;
  load_runs(c, runs, err);
  for (auto& v : runs)
    if (v.summary["run_id"] == id) return true;
  std::error_code ec;
  return fs::is_directory(fs::path(c.src.results_dir) / id, ec);
}

bool known_query(const std::string& q) {
  for (const auto& n : batch::query_names())
    if (n == q) return true;
  return false;
}

std::string query_list() {
  std::string out;
  for (const auto& n : batch::query_names())
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

reply api_runs(context& c, const http_request& r) {
  int64_t limit = 0;
  std::string err;
  if (!int_param(r, "limit", 100, 1, 10000, limit, err)) return error_reply(400, err);
  std::vector<run_view> runs;
  if (!load_runs(c, runs, err)) return error_reply(500, "reading batch_runs: " + err);
  json list = json::array();
  for (auto& v : runs) {
    if (static_cast<int64_t>(list.size()) >= limit) break;
    json s = v.summary;
    s["attempts"] = v.attempts;
    list.push_back(std::move(s));
  }
  return json_reply({{"dag_id", c.src.uid + "_dag"}, {"runs", list}});
}

reply api_trigger(context& c, const http_request&) {
  batch::scheduler_options o;
  o.dag_id = c.src.uid + "_dag";
  o.schedule = c.src.schedule;
  o.retries = c.src.retries;
  o.retry_delay_s = c.src.retry_delay_s;
  auto start = batch::start_date_setting(c.src.start_date);
  if (!start) return error_reply(500, start.error().message());
  o.start_date = *start;
  auto sched = batch::scheduler::open(c.src.warehouse_path, o, batch::system_sched_clock());
  if (!sched) return error_reply(500, "opening batch_runs: " + sched.error().message());
  auto run = (*sched)->trigger_manual();
  if (!run) return error_reply(500, "queueing a run: " + run.error().message());
  return json_reply({{"run_id", run->run_id},
                     {"state", "queued"},
                     {"dag_id", o.dag_id},
                     {"message", "queued; a node with the scheduler role starts it within a "
                                 "second"}},
                    201);
}

reply api_run_route(context& c, const http_request& r, const std::string& rest) {
  const auto slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string sub = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!valid_run_id(id))
    return error_reply(400, "run id '" + id +
                                "' is not a run id (letters, digits and _ - : . + only, like "
                                "manual__2026-01-01T00:00:00)");
  if (sub.empty()) return run_detail(c, id, false);
  if (sub == "log") return run_detail(c, id, true);
  if (!run_known(c, id))
    return error_reply(404, "no run '" + id + "' of " + c.src.uid + "_dag and no results/" + id);
  const fs::path dir = fs::path(c.src.results_dir) / id;
  if (sub == "report.html") {
    bool ok = false;
    reply out;
    out.body = slurp(dir / "report.html", &ok);
    if (!ok) return error_reply(404, "run " + id + " has no report.html (did it succeed?)");
    out.content_type = "text/html; charset=utf-8";
    return out;
  }
  if (sub == "results") {
    std::string only = r.param("query");
    if (!only.empty() && !known_query(only))
      return error_reply(400, "parameter query: unknown query '" + only + "'; one of " +
                                  query_list());
    json queries = json::array();
    for (const auto& name : batch::query_names()) {
      if (!only.empty() && name != only) continue;
      auto out = read_output(dir, name);
      json q = {{"name", name}, {"chart", batch::chart_kind(name)}, {"present", out.has_value()}};
      if (out) {
        q["columns"] = out->columns;
        json rows = json::array();
        for (const auto& row : out->rows) {
          json jr = json::array();
          for (const auto& v : row)
            jr.push_back(v ? json(*v) : json(nullptr));
          rows.push_back(std::move(jr));
        }
        q["rows"] = std::move(rows);
      }
      queries.push_back(std::move(q));
    }
    return json_reply({{"run_id", id}, {"queries", queries}});
  }
  auto leaf = [&](const std::string& prefix, const std::string& ext) -> std::string {
    if (sub.rfind(prefix, 0) != 0 || sub.size() <= prefix.size() + ext.size() ||
        sub.compare(sub.size() - ext.size(), ext.size(), ext) != 0)
      return "";
    return sub.substr(prefix.size(), sub.size() - prefix.size() - ext.size());
  };
  for (const auto& [prefix, ext] : {std::pair<std::string, std::string>{"results/", ".csv"},
                                    std::pair<std::string, std::string>{"charts/", ".svg"}}) {
    std::string q = leaf(prefix, ext);
    if (q.empty()) continue;
    if (!known_query(q))
      return error_reply(404, "unknown query '" + q + "'; one of " + query_list());
    auto out = read_output(dir, q);
    if (!out) return error_reply(404, "run " + id + " has no " + q + ".csv");
    reply rep;
    if (ext == ".csv") {
      rep.body = batch::to_csv(*out);
      rep.content_type = "text/csv; charset=utf-8";
    } else {
      rep.body = batch::svg_query_chart(*out, 20);
      rep.body.insert(4, " xmlns=\"http://www.w3.org/2000/svg\""); // a standalone SVG file
      rep.content_type = "image/svg+xml";
    }
    return rep;
  }
  return error_reply(404, "no route /api/v1/runs/" + id + "/" + sub +
                              " (log, results, results/<query>.csv, charts/<query>.svg, "
                              "report.html)");
}

} // namespace pinpipe::console
