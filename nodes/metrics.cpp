#include "nodes/metrics.hpp"

#include <algorithm>
#include <map>

#include "console/metrics_text.hpp"

namespace pinpipe::cli {
namespace {

bool is_integer_cell(const std::string& s) {
  if (s.empty() || s == "-") return true;
  size_t i = (s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::string num(int64_t v) {
  return std::to_string(v);
}

} // namespace

progress_line::progress_line(std::ostream& os, bool tty, std::chrono::milliseconds interval)
    : os_(os), tty_(tty), interval_(interval), last_(std::chrono::steady_clock::now()) {}

void progress_line::update(const std::string& text, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (!force && shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    os_ << "\r\033[K" << text << std::flush;
  } else {
    if (!force && now - last_ < interval_) return;
    if (text != last_text_) os_ << text << std::endl;
  }
  last_ = now;
  last_text_ = text;
  shown_ = true;
}

void progress_line::finish(const std::string& text) {
  if (tty_)
    os_ << "\r\033[K" << text << std::endl;
  else if (text != last_text_)
    os_ << text << std::endl;
  last_text_.clear();
  shown_ = false;
}

void print_table(std::ostream& os, const text_table& t, const std::string& indent) {
  const size_t cols = t.header.size();
  std::vector<size_t> width(cols, 0);
  std::vector<bool> right(cols, true);
  for (size_t c = 0; c < cols; ++c) {
    width[c] = t.header[c].size();
    bool any = false;
    for (const auto& r : t.rows) {
      if (c >= r.size()) continue;
      width[c] = std::max(width[c], r[c].size());
      if (!r[c].empty() && r[c] != "-") any = true;
      if (!is_integer_cell(r[c])) right[c] = false;
    }
    if (!any) right[c] = false;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = indent;
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - std::min(width[c], cell.size()), ' ');
      if (c) out += "  ";
      out += right[c] ? pad + cell : cell + (c + 1 < cols ? pad : "");
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    os << out << "\n";
  };
  line(t.header);
  for (const auto& r : t.rows)
    line(r);
}

text_table runs_table(const std::vector<batch::run_record>& runs) {
  text_table t;
  t.header = {"RUN ID", "SCHEDULED", "START", "END", "STATE", "ATTEMPT", "ERROR"};
  for (const auto& r : runs)
    t.rows.push_back({r.run_id, r.scheduled_time, r.start_time.empty() ? "-" : r.start_time,
                      r.end_time.empty() ? "-" : r.end_time, r.state, num(r.attempt),
                      r.error.empty() ? "-" : r.error});
  return t;
}

void print_status(std::ostream& os, const status_snapshot& s) {
  os << "pinpipe status: data directory " << s.data_dir << "\n\n";
  if (s.node_up) {
    os << "node " << s.endpoint << ": up\n";
  } else {
    os << "node " << s.endpoint << ": NOT REACHABLE (" << s.node_error
       << "); showing local files only\n";
  }

  if (s.node_up) {
    os << "\ntopics\n";
    text_table t;
    t.header = {"TOPIC", "PARTITION", "LOG START", "HIGH WATERMARK", "RECORDS"};
    for (const auto& p : s.partitions)
      t.rows.push_back({p.topic + (p.is_stream ? " (stream)" : ""), num(p.partition),
                        num(p.log_start), num(p.high_watermark),
                        num(p.high_watermark - p.log_start)});
    print_table(os, t, "  ");
  }

  auto positions = [&](const char* title, const std::vector<consumer_position>& ps) {
    os << "\n" << title << "\n";
    if (ps.empty()) {
      os << "  (none)\n";
      return;
    }
    text_table t;
    t.header = {"CONSUMER", "TOPIC", "PARTITION", "POSITION", "LAG"};
    for (const auto& p : ps)
      t.rows.push_back(
          {p.consumer, p.topic, num(p.partition), num(p.position), p.lag < 0 ? "-" : num(p.lag)});
    print_table(os, t, "  ");
  };
  if (s.node_up) positions("consumer groups (committed offsets)", s.groups);
  positions("pipeline consumers (lake = connector, stream tables = sink)", s.pipeline);

  os << "\nlake (" << s.lake_dir << ")\n  " << s.lake_objects << " objects holding "
     << s.lake_records << " records\n";

  os << "\nwarehouse (" << s.warehouse_path << ")\n";
  if (!s.warehouse_exists) {
    os << "  (no warehouse yet: it is created by the sink role or `pinpipe batch run`)\n";
  } else {
    text_table t;
    t.header = {"TABLE", "ROWS"};
    for (const auto& [name, n] : s.tables)
      t.rows.push_back({name, n < 0 ? "-" : num(n)});
    print_table(os, t, "  ");
  }

  const size_t shown = std::min(s.runs.size(), status_runs_shown);
  os << "\nbatch runs (last " << shown << " of " << s.runs.size() << " attempts)\n";
  if (s.runs.empty())
    os << "  (none yet: `pinpipe batch run` runs one now)\n";
  else
    print_table(os,
                runs_table(std::vector<batch::run_record>(
                    s.runs.end() - static_cast<std::ptrdiff_t>(shown), s.runs.end())),
                "  ");
  os.flush();
}

void print_prometheus(std::ostream& os, const status_snapshot& s) {
  console::metrics_snapshot m;
  m.node_up = s.node_up;
  for (const auto& p : s.partitions)
    m.partitions.push_back({p.topic, p.partition, p.log_start, p.high_watermark});
  for (const auto& g : s.groups)
    m.groups.push_back({g.consumer, g.topic, g.partition, g.position, g.lag});
  for (const auto& p : s.pipeline) // "connector (lake)" -> "connector"
    m.consumers.push_back(
        {p.consumer.substr(0, p.consumer.find(' ')), p.topic, p.partition, p.position, p.lag});
  m.lake_objects = s.lake_objects;
  m.lake_records = s.lake_records;
  if (s.warehouse_exists) m.tables = s.tables;
  m.actors = s.actors;
  m.disk_full_errors = s.disk_full_errors;
  for (const char* st : {"queued", "running", "up_for_retry", "success", "failed"})
    m.batch_runs[st] = 0;
  int64_t last_success = -1;
  for (const auto& r : s.runs) {
    ++m.batch_runs[r.state];
    if (r.state == "success" && !r.end_time.empty())
      if (auto t = batch::parse_utc(r.end_time); t) last_success = std::max(last_success, *t);
  }
  if (last_success >= 0) m.batch_last_success_s = last_success;
  console::write_prometheus(os, m);
}

} // namespace pinpipe::cli
